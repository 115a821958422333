// JSON Feed 1.0 and 1.1 with nlohmann_json. The format is strict JSON, so there is nothing to
// repair: a document that does not parse is rejected with its line and column. Fields of the
// wrong type are skipped with a warning rather than failing the whole feed.

#include "parse/json_feed.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "parse/location.hpp"
#include "parse/reader.hpp"
#include "parse/utf8.hpp"

namespace tributary::parse {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kVersionPrefix = "https://jsonfeed.org/version/";
constexpr std::string_view kOldVersionPrefix = "http://jsonfeed.org/version/";
// nlohmann's parser keeps its own stack, but nothing a feed needs nests deeper than a handful
// of levels; a limit keeps hostile documents cheap everywhere after the parse too.
constexpr int kMaxDepth = 64;

// The deepest bracket nesting outside strings, or kMaxDepth + 1 as soon as it is exceeded.
int nesting_depth(std::string_view text) noexcept {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
            if (deepest > kMaxDepth) return deepest;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return deepest;
}

const Json* member(const Json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// JSON strings may hold what XML cannot (U+0000 from "\u0000", U+FFFE): cleaned on the way in,
// as the readers' helpers expect.
std::string string_member(const Json& object, const char* key) {
    const Json* value = member(object, key);
    if (value == nullptr || !value->is_string()) return {};
    return xml_safe(value->get_ref<const std::string&>());
}

class JsonReader {
public:
    JsonReader(ParsedFeed& feed, const ParseOptions& options) : feed_(feed), options_(options) {}

    void read(const Json& document) {
        const std::string version = string_member(document, "version");
        feed_.format = FeedFormat::json;
        feed_.version = clean_text(version.substr(version.rfind('/') + 1));
        feed_.title = title_text(string_member(document, "title"), Markup::none);
        feed_.subtitle = title_text(string_member(document, "description"), Markup::none);
        feed_.language = clean_text(string_member(document, "language"));
        // The document's own feed_url is a base only when nothing better is known, and only as a
        // web page (resolve_url ignores any other).
        const std::string base =
            options_.base_url.empty() ? string_member(document, "feed_url") : std::string(options_.base_url);
        feed_.link = resolve(base, string_member(document, "home_page_url"));
        document_base_ = feed_.link.empty() ? std::string(base) : feed_.link;
        feed_.image = resolve(document_base_, string_member(document, "icon"));
        if (feed_.image.empty()) feed_.image = resolve(document_base_, string_member(document, "favicon"));
        const std::string feed_author = authors(document);

        const Json* items = member(document, "items");
        if (items == nullptr) {
            feed_.warnings.emplace_back("JSON Feed has no \"items\" array");
            return;
        }
        if (!items->is_array()) {
            feed_.warnings.emplace_back("JSON Feed \"items\" is not an array; ignored");
            return;
        }
        std::size_t index = 0;
        for (const Json& entry : *items) {
            if (!entry.is_object()) {
                feed_.warnings.push_back(fmt::format("JSON Feed item {} is not an object; skipped", index + 1));
            } else {
                feed_.items.push_back(item(entry, index, feed_author));
            }
            ++index;
        }
    }

private:
    // An absolute http(s) URL, or "" (see resolve_web_url).
    static std::string resolve(std::string_view base, std::string_view reference) {
        const std::string_view trimmed = trim(reference);
        if (trimmed.empty()) return {};
        std::string url = xml_safe(resolve_url(base, trimmed));
        if (!is_publishable_url(url)) url.clear();
        return url;
    }

    // 1.1 "authors": [{name, url, avatar}]; 1.0 "author": {name, url, avatar}. Names joined.
    static std::string authors(const Json& object) {
        std::string names;
        const auto add = [&](const Json& person) {
            std::string name = title_text(string_member(person, "name"), Markup::none);
            if (name.empty()) return;
            if (!names.empty()) names += ", ";
            names += name;
        };
        if (const Json* list = member(object, "authors"); list != nullptr && list->is_array())
            for (const Json& person : *list) add(person);
        if (names.empty())
            if (const Json* person = member(object, "author")) add(*person);
        return names;
    }

    std::optional<SysTime> date(const Json& entry, const char* key, std::size_t index, const ParsedItem& item) {
        const std::string text = clean_text(string_member(entry, key));
        if (text.empty()) return std::nullopt;
        if (std::optional<SysTime> parsed = parse_date(text, options_.timezone)) return parsed;
        feed_.warnings.push_back(fmt::format("unparseable date \"{}\" in \"{}\" of item {}{}", text, key, index + 1,
                                             item.title.empty() ? "" : " (\"" + item.title + "\")"));
        return std::nullopt;
    }

    std::string html(std::string_view markup, std::string_view base) const {
        if (options_.sanitize) return sanitize_html(markup, base);
        return xml_safe(trim(markup));
    }

    ParsedItem item(const Json& entry, std::size_t index, const std::string& feed_author) {
        ParsedItem out;
        if (const Json* id = member(entry, "id")) {
            if (id->is_string())
                out.id = clean_text(xml_safe(id->get_ref<const std::string&>()));
            else if (id->is_number())
                out.id = id->dump();  // 1.0 feeds in the wild use numbers; the spec asks for strings
        }
        out.title = title_text(string_member(entry, "title"), Markup::none);
        out.link = resolve(document_base_, string_member(entry, "url"));
        if (out.link.empty()) out.link = resolve(document_base_, string_member(entry, "external_url"));
        const std::string_view base = out.link.empty() ? std::string_view{document_base_} : out.link;
        if (const std::string content = string_member(entry, "content_html"); !trim(content).empty())
            out.content = html(content, base);
        else
            out.content = text_as_html(string_member(entry, "content_text"));
        out.summary = text_as_html(string_member(entry, "summary"));
        out.author = authors(entry);
        if (out.author.empty()) out.author = feed_author;
        if (const Json* tags = member(entry, "tags"); tags != nullptr && tags->is_array())
            for (const Json& tag : *tags)
                if (tag.is_string()) add_category(out, xml_safe(tag.get_ref<const std::string&>()));
        if (const Json* attachments = member(entry, "attachments"); attachments != nullptr && attachments->is_array()) {
            for (const Json& attachment : *attachments) {
                std::optional<std::int64_t> length;
                if (const Json* size = member(attachment, "size_in_bytes");
                    size != nullptr && size->is_number_integer() && size->get<std::int64_t>() >= 0)
                    length = size->get<std::int64_t>();
                add_enclosure(out, Enclosure{.url = resolve(base, string_member(attachment, "url")),
                                             .type = clean_text(string_member(attachment, "mime_type")),
                                             .length = length});
            }
        }
        out.language = clean_text(string_member(entry, "language"));
        if (out.language.empty()) out.language = feed_.language;
        out.published = date(entry, "date_published", index, out);
        out.updated = date(entry, "date_modified", index, out);
        return out;
    }

    ParsedFeed& feed_;
    const ParseOptions& options_;
    std::string document_base_;
};

}  // namespace

bool looks_like_json(std::string_view bytes) noexcept {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    const std::size_t first = bytes.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && bytes[first] == '{';
}

Result<ParsedFeed> read_json_feed(std::string_view utf8, const ParseOptions& options, ParsedFeed feed) {
    if (nesting_depth(utf8) > kMaxDepth)
        return fail(ErrorKind::Parse, fmt::format("parse: JSON nested deeper than {} levels", kMaxDepth));
    Json document;
    try {
        document = Json::parse(utf8);
    } catch (const Json::parse_error& error) {
        // nlohmann counts bytes from 1 and points just past the offending character.
        const std::size_t byte = error.byte == 0 ? 0 : error.byte - 1;
        const Location at = location_of(utf8, static_cast<std::ptrdiff_t>(byte));
        std::string what = error.what();
        if (const std::size_t colon = what.find(": syntax error"); colon != std::string::npos)
            what = what.substr(colon + 2);
        return fail(ErrorKind::Parse,
                    fmt::format("parse: line {}, column {}: invalid JSON: {}", at.line, at.column, what));
    }
    const std::string version = string_member(document, "version");
    if (!version.starts_with(kVersionPrefix) && !version.starts_with(kOldVersionPrefix))
        return fail(ErrorKind::UnsupportedFormat,
                    "parse: a JSON document without a \"version\" of https://jsonfeed.org/version/…; not a JSON Feed");
    JsonReader{feed, options}.read(document);
    return feed;
}

}  // namespace tributary::parse

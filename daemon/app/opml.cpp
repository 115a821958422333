#include "app/opml.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <sstream>

#include "core/text.hpp"
#include "dedup/dedup.hpp"

namespace tributary::app {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
           });
}

// An attribute by name, whatever its case (xmlUrl, xmlurl, XMLURL all occur).
std::string_view attribute(const pugi::xml_node& node, std::string_view name) {
    for (const pugi::xml_attribute a : node.attributes())
        if (iequals(a.name(), name)) return a.value();
    return {};
}

// Cut at a character boundary no later than `max` bytes.
std::string capped(std::string text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
    return text;
}

// One line of text: control characters (newlines included) become spaces, runs of spaces one.
std::string one_line(std::string_view text, std::size_t max) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const char put = byte < 0x20 || byte == 0x7f ? ' ' : c;
        if (put == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += put;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return capped(std::move(out), max);
}

bool http_url(std::string_view url) {
    const std::string lower = to_lower_ascii(url.substr(0, 8));
    std::size_t host = 0;
    if (lower.starts_with("http://"))
        host = 7;
    else if (lower.starts_with("https://"))
        host = 8;
    else
        return false;
    if (url.size() <= host || url[host] == '/' || url.size() > kMaxOpmlUrlBytes) return false;
    return std::none_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20; });
}

// A folder title as one step of a tag path: ASCII lower-cased, spaces, the path separator '/'
// and what feeds.conf would read as syntax (',', '#', ';', '=', brackets) as '-'; other
// letters, Arabic included, kept.
std::string tag_of(std::string_view title) {
    std::string out;
    for (const char c : one_line(title, kMaxOpmlTitleBytes)) {
        const bool separator =
            c == ' ' || c == '/' || c == ',' || c == '#' || c == ';' || c == '=' || c == '[' || c == ']';
        if (separator) {
            if (!out.empty() && out.back() != '-') out += '-';
        } else {
            out += c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

// Letters and digits lower-cased, every other run as one '-'.
std::string slug(std::string_view text, bool keep_dots) {
    std::string out;
    for (const char c : text) {
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || (keep_dots && lower == '.')) {
            out += lower;
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
    while (!out.empty() && (out.front() == '-' || out.front() == '.')) out.erase(0, 1);
    if (out.size() > 48) out.resize(48);
    while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
    return out;
}

std::string host_of(std::string_view url) {
    url.remove_prefix(url.find("://") + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
    url = url.substr(0, url.find(':'));
    std::string host = to_lower_ascii(url);
    if (host.starts_with("www.")) host.erase(0, 4);
    return host;
}

int line_of(std::string_view text, std::ptrdiff_t offset) {
    if (offset < 0) return 0;
    const auto end = text.begin() + std::min<std::ptrdiff_t>(offset, static_cast<std::ptrdiff_t>(text.size()));
    return 1 + static_cast<int>(std::count(text.begin(), end, '\n'));
}

struct Walker {
    std::string_view text;
    std::string_view source;
    OpmlReading out;
    std::map<std::string, std::size_t> by_url;  // canonical URL -> index in out.feeds
    bool full = false;

    std::string where(const pugi::xml_node& node) const {
        return std::string(source) + ":" + std::to_string(line_of(text, node.offset_debug())) + ": ";
    }

    // `folder`: the path of folders around, as a tag ("news/morocco"); "" at the top.
    void walk(const pugi::xml_node& parent, const std::string& folder, int depth) {
        for (const pugi::xml_node node : parent.children()) {
            if (full) return;
            if (node.type() != pugi::node_element || !iequals(node.name(), "outline")) continue;
            std::string title = one_line(attribute(node, "title"), kMaxOpmlTitleBytes);
            if (title.empty()) title = one_line(attribute(node, "text"), kMaxOpmlTitleBytes);
            const std::string_view xml_url = trim(attribute(node, "xmlUrl"));
            if (xml_url.empty()) {
                if (depth >= kMaxOpmlDepth) {
                    out.warnings.push_back(where(node) + "folders nested deeper than " + std::to_string(kMaxOpmlDepth) +
                                           ": skipped");
                    continue;
                }
                const std::string step = tag_of(title);
                walk(node, step.empty() ? folder : folder.empty() ? step : folder + "/" + step, depth + 1);
                continue;
            }
            if (!http_url(xml_url)) {
                out.warnings.push_back(where(node) + "outline \"" + printable(title, 80) + "\": xmlUrl \"" +
                                       printable(xml_url, 120) + "\" is not an http(s) URL: skipped");
                continue;
            }
            const std::string canonical = dedup::canonical_url(xml_url);
            if (const auto seen = by_url.find(canonical); seen != by_url.end()) {
                OpmlFeed& first = out.feeds[seen->second];
                if (!folder.empty() && std::find(first.tags.begin(), first.tags.end(), folder) == first.tags.end())
                    first.tags.push_back(folder);
                continue;
            }
            if (out.feeds.size() >= kMaxOpmlFeeds) {
                out.warnings.push_back(where(node) + "more than " + std::to_string(kMaxOpmlFeeds) +
                                       " feeds: the rest are skipped");
                full = true;
                return;
            }
            OpmlFeed feed;
            feed.title = title;
            feed.xml_url = std::string(xml_url);
            const std::string_view html_url = trim(attribute(node, "htmlUrl"));
            if (http_url(html_url)) feed.html_url = std::string(html_url);
            if (!folder.empty()) feed.tags.push_back(folder);
            feed.line = line_of(text, node.offset_debug());
            by_url.emplace(canonical, out.feeds.size());
            out.feeds.push_back(std::move(feed));
        }
    }
};

}  // namespace

Result<OpmlReading> read_opml(std::string_view text, std::string_view source) {
    const std::string name(source);
    if (text.size() > kMaxOpmlBytes)
        return fail(ErrorKind::TooLarge, name + ": larger than " + std::to_string(kMaxOpmlBytes >> 20) + " MiB");
    pugi::xml_document doc;
    // No DOCTYPE processing exists in pugixml: no external entity is ever fetched.
    const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default);
    if (!parsed)
        return fail(ErrorKind::Parse, name + ":" + std::to_string(line_of(text, parsed.offset)) +
                                          ": not well-formed XML: " + parsed.description());
    const pugi::xml_node opml = doc.document_element();
    if (!iequals(opml.name(), "opml"))
        return fail(ErrorKind::Parse, name + ": not OPML: the root element is <" + printable(opml.name(), 40) + ">");
    const pugi::xml_node body = opml.child("body");
    if (!body) return fail(ErrorKind::Parse, name + ": not OPML: no <body>");
    Walker walker{.text = text, .source = source, .out = {}, .by_url = {}};
    walker.walk(body, "", 0);
    return std::move(walker.out);
}

std::string feed_name_for(const OpmlFeed& feed, const std::set<std::string, std::less<>>& taken) {
    std::string base = slug(feed.title, false);
    if (base.empty()) base = slug(host_of(feed.xml_url), true);
    if (base.empty()) base = "feed";
    if (!taken.contains(base)) return base;
    for (int n = 2;; ++n) {
        const std::string candidate = base + "-" + std::to_string(n);
        if (!taken.contains(candidate)) return candidate;
    }
}

ConfigAppend append_feeds(std::string_view config_text, std::span<const FeedSpec> existing,
                          std::span<const OpmlFeed> feeds, std::string_view source) {
    ConfigAppend out;
    out.text = std::string(config_text);
    std::set<std::string, std::less<>> taken;
    std::map<std::string, std::string> followed;  // canonical URL -> feed name
    for (const FeedSpec& spec : existing) {
        taken.insert(spec.name);
        followed.emplace(dedup::canonical_url(spec.url), spec.name);
    }
    std::string sections;
    for (const OpmlFeed& feed : feeds) {
        const std::string canonical = dedup::canonical_url(feed.xml_url);
        if (const auto it = followed.find(canonical); it != followed.end()) {
            out.skipped.push_back(printable(feed.xml_url, 200) + ": already followed as [feed " + it->second + "]");
            continue;
        }
        const std::string name = feed_name_for(feed, taken);
        taken.insert(name);
        followed.emplace(canonical, name);
        out.added.push_back(name);
        sections += '\n';
        // The title and site as a comment: feeds.conf has no key for them, and the operator
        // will want to know which feed a name from a URL is. one_line() keeps it one line.
        if (!feed.title.empty() || !feed.html_url.empty()) {
            sections += "# " + feed.title;
            if (!feed.html_url.empty()) sections += (feed.title.empty() ? "" : " — ") + feed.html_url;
            sections += '\n';
        }
        sections += "[feed " + name + "]\nurl = " + feed.xml_url + '\n';
        if (!feed.tags.empty()) {
            sections += "tags = ";
            for (std::size_t i = 0; i < feed.tags.size(); ++i) sections += (i == 0 ? "" : ", ") + feed.tags[i];
            sections += '\n';
        }
    }
    if (out.added.empty()) return out;
    if (!out.text.empty() && out.text.back() != '\n') out.text += '\n';
    out.text += "\n# Imported from " + one_line(source, 200) + " by tributary import-opml.\n";
    out.text += sections.substr(1);
    return out;
}

std::string write_opml(std::span<const FeedSpec> feeds, std::string_view title) {
    pugi::xml_document doc;
    pugi::xml_node declaration = doc.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";
    pugi::xml_node opml = doc.append_child("opml");
    opml.append_attribute("version") = "2.0";
    pugi::xml_node head = opml.append_child("head");
    head.append_child("title").text() = std::string(title).c_str();
    pugi::xml_node body = opml.append_child("body");
    // Folders by path ("news/morocco" is "morocco" inside "news"), created in order of first use.
    std::map<std::string, pugi::xml_node, std::less<>> folders;
    const auto folder_of = [&](std::string_view tag) {
        pugi::xml_node parent = body;
        std::size_t start = 0;
        while (start <= tag.size()) {
            const std::size_t slash = std::min(tag.find('/', start), tag.size());
            const std::string_view step = tag.substr(start, slash - start);
            if (!step.empty()) {
                auto [it, created] = folders.try_emplace(std::string(tag.substr(0, slash)));
                if (created) {
                    it->second = parent.append_child("outline");
                    it->second.append_attribute("text") = std::string(step).c_str();
                    it->second.append_attribute("title") = std::string(step).c_str();
                }
                parent = it->second;
            }
            start = slash + 1;
        }
        return parent;
    };
    for (const FeedSpec& feed : feeds) {
        const auto add = [&](pugi::xml_node parent) {
            pugi::xml_node outline = parent.append_child("outline");
            outline.append_attribute("type") = "rss";
            outline.append_attribute("text") = feed.name.c_str();
            outline.append_attribute("title") = feed.name.c_str();
            outline.append_attribute("xmlUrl") = feed.url.c_str();
        };
        // In every folder its tags name, as readers with folders-as-labels export it.
        if (feed.tags.empty()) add(body);
        for (const std::string& tag : feed.tags) add(folder_of(tag));
    }
    std::ostringstream text;
    doc.save(text, "  ", pugi::format_default, pugi::encoding_utf8);
    return text.str();
}

}  // namespace tributary::app

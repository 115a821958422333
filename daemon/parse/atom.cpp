// Atom 1.0 (RFC 4287) and the Atom 0.3 draft it replaced. Text constructs carry their own
// type ("text", "html", "xhtml"; 0.3 used MIME types and mode="escaped|xml|base64").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"
#include "parse/utf8.hpp"

namespace tributary::parse {
namespace {

enum class TextKind { text, html, skipped };

struct AtomText {
    std::string value;
    TextKind kind = TextKind::text;
};

// The xhtml <div> wrapper is part of the syntax, not of the content (RFC 4287 3.1.1.3).
pugi::xml_node xhtml_container(pugi::xml_node element) {
    for (const pugi::xml_node child : element.children()) {
        if (child.type() != pugi::node_element) continue;
        if (local_name(child) == "div" && namespace_of(child) == Ns::xhtml) return child;
        break;
    }
    return element;
}

// RFC 4648 base64, whitespace ignored; nullopt on any other byte.
std::optional<std::string> decode_base64(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z')
            value = c - 'A';
        else if (c >= 'a' && c <= 'z')
            value = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            value = c - '0' + 52;
        else if (c == '+' || c == '-')
            value = 62;
        else if (c == '/' || c == '_')
            value = 63;
        else if (c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        else
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// Base64 as encoders write it: lines of the alphabet, each but the last a multiple of four long.
// "Custom typed" is none; a title that is, and decodes to clean text (read_base64), was encoded.
bool looks_like_base64(std::string_view text) {
    text = trim(text);
    if (text.empty()) return false;
    std::size_t line = 0;
    bool line_ended = false;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (line > 0 && line % 4 != 0) return false;
            line_ended = line > 0 || line_ended;
            line = 0;
            continue;
        }
        const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                              c == '/' || c == '=' || c == '-' || c == '_';
        if (!alphabet) return false;
        ++line;
    }
    return line % 4 == 0 || line_ended;
}

bool is_binary_media_type(std::string_view type) {
    return type.starts_with("image/") || type.starts_with("audio/") || type.starts_with("video/") ||
           type.starts_with("font/") || type == "application/pdf" || type == "application/zip";
}

// Atom 0.3 mode="base64", and Atom 1.0 content of a media type that is neither text nor XML:
// readable when it decodes to UTF-8 text (publishers base64-encode HTML), skipped otherwise.
AtomText read_base64(pugi::xml_node element, std::string_view type) {
    if (is_binary_media_type(type)) return {{}, TextKind::skipped};
    std::optional<std::string> decoded = decode_base64(element_text(element));
    if (!decoded || !is_clean_utf8(*decoded, false) || decoded->find('\0') != std::string::npos)
        return {{}, TextKind::skipped};
    std::string text = xml_safe(*decoded);  // decoded bytes were never seen by the XML repair
    if (type == "text/plain" || type == "text") return {std::move(text), TextKind::text};
    return {std::move(text), TextKind::html};
}

// Titles, subtitles and summaries are text constructs, which RFC 4287 (3.1.1) allows only as
// text, html or xhtml: one that names another type is read as text. Only <content> may hold
// another media type, base64-encoded (4.1.3.3).
enum class Construct { text, content };

AtomText read_text_construct(pugi::xml_node element, Construct construct) {
    const std::string type = to_lower_ascii(trim(attribute(element, "type")));
    const std::string mode = to_lower_ascii(trim(attribute(element, "mode")));
    if (mode == "base64") return read_base64(element, type);
    if (type == "xhtml" || type == "application/xhtml+xml" || mode == "xml")
        return {inner_markup(xhtml_container(element)), TextKind::html};
    if (type == "html" || type == "text/html" || mode == "escaped") return {text_or_markup(element), TextKind::html};
    if (type.empty() || type == "text" || type.starts_with("text/"))
        return {element_text(element).str(), TextKind::text};
    if (type.ends_with("+xml") || type.ends_with("/xml")) return {inner_markup(element), TextKind::html};
    if (construct == Construct::text) {
        const ElementText text(element);
        if (looks_like_base64(text))
            if (AtomText decoded = read_base64(element, type); decoded.kind != TextKind::skipped) return decoded;
        return {text.str(), TextKind::text};
    }
    return read_base64(element, type);  // RFC 4287 4.1.3.3: other media types are base64
}

std::string as_title(pugi::xml_node element) {
    const AtomText text = read_text_construct(element, Construct::text);
    if (text.kind == TextKind::skipped) return {};
    return title_text(text.value, text.kind == TextKind::html ? Markup::html : Markup::none);
}

std::string as_html(pugi::xml_node element, ReadContext& context, Construct construct) {
    if (!attribute(element, "src").empty()) return {};  // out-of-line content
    AtomText text = read_text_construct(element, construct);
    switch (text.kind) {
        case TextKind::html: return context.html(element, std::move(text.value));
        case TextKind::text: return text_as_html(text.value);
        case TextKind::skipped: break;
    }
    return {};
}

// "Name (email)" as mail clients and feedparser show a person; either part alone when that is all.
std::string person_name(pugi::xml_node person) {
    std::string name;
    std::string email;
    for (const pugi::xml_node child : person.children()) {
        if (child.type() != pugi::node_element) continue;
        if (local_name(child) == "name" && name.empty()) name = title_text(element_text(child), Markup::none);
        if (local_name(child) == "email" && email.empty()) email = clean_text(element_text(child));
    }
    if (name.empty()) return email;
    if (email.empty()) return name;
    return name + " (" + email + ")";
}

// `root_ns` admits documents whose <feed> sits in no namespace or a made-up one: their
// elements are Atom's by position, and nothing else would claim them.
bool is_atom(Ns ns, Ns root_ns) noexcept { return ns == Ns::atom10 || ns == Ns::atom03 || ns == root_ns; }

// Pre-1.0 drafts put the URL in the element's text.
std::string_view link_target(pugi::xml_node link) {
    const std::string_view href = attribute(link, "href");
    return trim(href).empty() ? std::string_view{link.child_value()} : href;
}

bool is_alternate(std::string_view rel) noexcept { return rel.empty() || rel == "alternate"; }

struct DateElements {
    pugi::xml_node published;
    pugi::xml_node created;
    pugi::xml_node updated;
};

// Fills `item` in place, as rss.cpp's read_item does.
void read_entry(pugi::xml_node entry, std::size_t index, const std::string& feed_author, Ns root_ns,
                ReadContext& context, ParsedItem& item) {
    DateElements dates;
    AlternateLink alternate;
    std::string media_title;
    ChildNames names(entry);
    for (const pugi::xml_node child : entry.children()) {
        if (child.type() != pugi::node_element) continue;
        const auto [ns, local] = names.of(child);
        if (is_atom(ns, root_ns)) {
            if (local == "id") {
                item.id = clean_text(element_text(child));
            } else if (local == "title") {
                if (std::string title = as_title(child); !title.empty() || item.title.empty())
                    item.title = std::move(title);
            } else if (local == "link") {
                // Resolved only for the links we keep: a dropped one is warned about.
                const std::string_view rel = trim(attribute(child, "rel"));
                if (is_alternate(rel)) {
                    alternate.offer(context, child, link_target(child), attribute(child, "type"));
                } else if (rel == "enclosure") {
                    add_enclosure(item, Enclosure{.url = context.resolve(child, link_target(child)),
                                                  .type = clean_text(attribute(child, "type")),
                                                  .length = parse_length(attribute(child, "length"))});
                } else if (rel == "replies" && item.comments.empty()) {
                    item.comments = context.resolve(child, link_target(child));
                }
            } else if (local == "author") {
                if (item.author.empty()) item.author = person_name(child);
            } else if (local == "summary") {
                item.summary = as_html(child, context, Construct::text);
            } else if (local == "content") {
                item.content = as_html(child, context, Construct::content);
            } else if (local == "category") {
                const std::string_view term = attribute(child, "term");
                add_category(item, trim(term).empty() ? attribute(child, "label") : term);
            } else if (local == "published" || local == "issued") {
                dates.published = child;
            } else if (local == "created") {
                dates.created = child;
            } else if (local == "updated" || local == "modified") {
                dates.updated = child;
            }
        } else if (ns == Ns::dc) {
            if (local == "creator" && item.author.empty())
                item.author = title_text(element_text(child), Markup::guess);
            else if (local == "subject")
                add_category(item, element_text(child));
            else if (local == "date" && !dates.published)
                dates.published = child;
        } else if (ns == Ns::media) {
            read_media(child, item, context, media_title);
        }
    }
    if (item.title.empty()) item.title = std::move(media_title);
    item.link = alternate.take();
    if (item.author.empty()) item.author = feed_author;  // RFC 4287 4.2.1: entries inherit it
    item.language = context.language_at(entry);
    if (item.language.empty()) item.language = context.feed().language;
    if (!dates.published) dates.published = dates.created;
    if (dates.published) item.published = context.date(dates.published, index, &item);
    if (dates.updated) item.updated = context.date(dates.updated, index, &item);
}

}  // namespace

void read_atom(pugi::xml_node root, ReadContext& context) {
    ParsedFeed& feed = context.feed();
    const Ns root_ns = namespace_of(root);
    feed.format = FeedFormat::atom;
    if (root_ns == Ns::atom03)
        feed.version = "0.3";
    else if (root_ns == Ns::atom10)
        feed.version = "1.0";
    else {
        feed.version = clean_text(attribute(root, "version"));
        context.warn("<feed> is not in the Atom namespace; read as Atom");
    }
    feed.language = nearest_language(root);

    std::string feed_author;
    std::string logo;
    std::string icon;
    AlternateLink feed_link;
    ChildNames names(root);
    for (const pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element) continue;
        const QualifiedName name = names.of(child);
        if (!is_atom(name.ns, root_ns)) {
            (void)read_feed_hint(child, name, context);  // sy:, itunes:image
            continue;
        }
        const std::string_view local = name.local;
        if (local == "title") {
            feed.title = as_title(child);
        } else if (local == "subtitle" || local == "tagline") {
            feed.subtitle = as_title(child);
        } else if (local == "link") {
            if (is_alternate(trim(attribute(child, "rel"))))
                feed_link.offer(context, child, link_target(child), attribute(child, "type"));
        } else if (local == "author") {
            if (feed_author.empty()) feed_author = person_name(child);
        } else if (local == "logo") {
            logo = context.resolve(child, element_text(child));
        } else if (local == "icon") {
            icon = context.resolve(child, element_text(child));
        }
    }
    feed.link = feed_link.take();
    // The logo is the feed's picture (RFC 4287 4.2.8); the icon is a favicon-sized fallback.
    if (!logo.empty())
        feed.image = std::move(logo);
    else if (!icon.empty())
        feed.image = std::move(icon);
    finish_feed_hints(context);
    context.set_feed_link(feed.link);

    std::size_t index = 0;
    for (const pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element) continue;
        const auto [ns, local] = names.of(child);
        if (local == "entry" && is_atom(ns, root_ns))
            read_entry(child, index++, feed_author, root_ns, context, feed.items.emplace_back());
    }
}

void read_atom_entry_document(pugi::xml_node root, ReadContext& context) {
    ParsedFeed& feed = context.feed();
    const Ns root_ns = namespace_of(root);
    feed.format = FeedFormat::atom;
    feed.version = root_ns == Ns::atom03 ? "0.3" : "1.0";
    feed.language = nearest_language(root);
    context.set_feed_link({});
    read_entry(root, 0, {}, root_ns, context, feed.items.emplace_back());
}

}  // namespace tributary::parse

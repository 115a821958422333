// Atom 1.0 (RFC 4287) and the Atom 0.3 draft it replaced. Text constructs carry their own
// type ("text", "html", "xhtml"; 0.3 used MIME types and mode="escaped|xml|base64").

#include <string>
#include <string_view>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"

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

AtomText read_text_construct(pugi::xml_node element) {
    const std::string type = to_lower_ascii(trim(attribute(element, "type")));
    const std::string mode = to_lower_ascii(trim(attribute(element, "mode")));
    if (mode == "base64") return {{}, TextKind::skipped};
    if (type == "xhtml" || type == "application/xhtml+xml" || mode == "xml")
        return {inner_markup(xhtml_container(element)), TextKind::html};
    if (type == "html" || type == "text/html" || mode == "escaped") return {text_or_markup(element), TextKind::html};
    if (type.empty() || type == "text" || type.starts_with("text/")) return {element_text(element), TextKind::text};
    if (type.ends_with("+xml") || type.ends_with("/xml")) return {inner_markup(element), TextKind::html};
    return {{}, TextKind::skipped};  // other media types are base64 payloads, not reading matter
}

std::string as_title(pugi::xml_node element) {
    const AtomText text = read_text_construct(element);
    if (text.kind == TextKind::skipped) return {};
    return title_text(text.value, text.kind == TextKind::html ? Markup::html : Markup::none);
}

std::string as_html(pugi::xml_node element, const ReadContext& context) {
    if (!attribute(element, "src").empty()) return {};  // out-of-line content
    const AtomText text = read_text_construct(element);
    switch (text.kind) {
        case TextKind::html: return sanitize_html(text.value, context.base_for(element));
        case TextKind::text: return text_as_html(text.value);
        case TextKind::skipped: break;
    }
    return {};
}

std::string person_name(pugi::xml_node person) {
    std::string email;
    for (const pugi::xml_node child : person.children()) {
        if (child.type() != pugi::node_element) continue;
        if (local_name(child) == "name") return title_text(element_text(child), Markup::none);
        if (local_name(child) == "email") email = clean_text(element_text(child));
    }
    return email;
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

ParsedItem read_entry(pugi::xml_node entry, std::size_t index, const std::string& feed_author, Ns root_ns,
                      ReadContext& context) {
    ParsedItem item;
    DateElements dates;
    for (const pugi::xml_node child : entry.children()) {
        if (child.type() != pugi::node_element) continue;
        const Ns ns = namespace_of(child);
        const std::string_view local = local_name(child);
        if (is_atom(ns, root_ns)) {
            if (local == "id") {
                item.id = clean_text(element_text(child));
            } else if (local == "title") {
                item.title = as_title(child);
            } else if (local == "link") {
                const std::string_view rel = trim(attribute(child, "rel"));
                const std::string href = context.resolve(child, link_target(child));
                if (is_alternate(rel) && item.link.empty()) {
                    item.link = href;
                } else if (rel == "enclosure") {
                    add_enclosure(item, Enclosure{.url = href,
                                                  .type = clean_text(attribute(child, "type")),
                                                  .length = parse_length(attribute(child, "length"))});
                } else if (rel == "replies" && item.comments.empty()) {
                    item.comments = href;
                }
            } else if (local == "author") {
                if (item.author.empty()) item.author = person_name(child);
            } else if (local == "summary") {
                item.summary = as_html(child, context);
            } else if (local == "content") {
                item.content = as_html(child, context);
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
        } else if (ns == Ns::media && local == "content") {
            add_enclosure(item, Enclosure{.url = context.resolve(child, attribute(child, "url")),
                                          .type = clean_text(attribute(child, "type")),
                                          .length = parse_length(attribute(child, "fileSize"))});
        }
    }
    if (item.author.empty()) item.author = feed_author;  // RFC 4287 4.2.1: entries inherit it
    item.language = nearest_language(entry);
    if (item.language.empty()) item.language = context.feed().language;
    if (!dates.published) dates.published = dates.created;
    if (dates.published) item.published = context.date(dates.published, index, &item);
    if (dates.updated) item.updated = context.date(dates.updated, index, &item);
    return item;
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
    for (const pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element || !is_atom(namespace_of(child), root_ns)) continue;
        const std::string_view local = local_name(child);
        if (local == "title") {
            feed.title = as_title(child);
        } else if (local == "subtitle" || local == "tagline") {
            feed.subtitle = as_title(child);
        } else if (local == "link") {
            if (is_alternate(trim(attribute(child, "rel"))) && feed.link.empty())
                feed.link = context.resolve(child, link_target(child));
        } else if (local == "author") {
            if (feed_author.empty()) feed_author = person_name(child);
        }
    }
    context.set_feed_link(feed.link);

    std::size_t index = 0;
    for (const pugi::xml_node child : root.children())
        if (child.type() == pugi::node_element && local_name(child) == "entry" && is_atom(namespace_of(child), root_ns))
            feed.items.push_back(read_entry(child, index++, feed_author, root_ns, context));
}

}  // namespace tributary::parse

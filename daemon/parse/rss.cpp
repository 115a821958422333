// RSS 0.9x and 2.0 (<rss><channel><item>) and RSS 0.90/1.0 (<rdf:RDF> with <channel> and
// <item> as siblings). The item elements are the same modulo namespace, so one reader serves.

#include <string>
#include <string_view>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"

namespace tributary::parse {
namespace {

struct DateElements {
    pugi::xml_node published;
    pugi::xml_node updated;
};

bool looks_like_web_url(std::string_view text) {
    const std::string lower = to_lower_ascii(text.substr(0, 8));
    return lower.starts_with("http://") || lower.starts_with("https://");
}

void read_item_child(pugi::xml_node child, QualifiedName name, ParsedItem& item, DateElements& dates,
                     ReadContext& context, std::string& rss_link, AlternateLink& alternate, std::string& media_title,
                     bool& guid_is_permalink) {
    const auto [ns, local] = name;
    if (is_rss_core(ns)) {
        if (local == "title") {
            item.title = title_text(element_text(child), Markup::guess);
        } else if (local == "link") {
            // The last link that can be published: a hostile second <link> does not erase a good one,
            // nor does an empty <link/>. One written Atom's way, <link href="…"/>, counts with atom:link.
            if (const ElementText text(child); !trim(text).empty()) {
                if (std::string url = context.resolve(child, text); !url.empty()) rss_link = std::move(url);
            } else if (const std::string_view rel = trim(attribute(child, "rel")); rel.empty() || rel == "alternate") {
                alternate.offer(context, child, attribute(child, "href"), attribute(child, "type"));
            }
        } else if (local == "description") {
            item.summary = context.html(child, text_or_markup(child));
        } else if (local == "guid") {
            item.id = clean_text(element_text(child));
            guid_is_permalink = !iequals_ascii(trim(attribute(child, "isPermaLink")), "false");
        } else if (local == "author") {
            if (item.author.empty()) item.author = title_text(element_text(child), Markup::guess);
        } else if (local == "category") {
            add_category(item, element_text(child));
        } else if (local == "enclosure") {
            add_enclosure(item, Enclosure{.url = context.resolve(child, attribute(child, "url")),
                                          .type = clean_text(attribute(child, "type")),
                                          .length = parse_length(attribute(child, "length"))});
        } else if (local == "comments") {
            item.comments = context.resolve(child, element_text(child));
        } else if (local == "pubDate") {
            dates.published = child;
        }
        return;
    }
    switch (ns) {
        case Ns::dc:
            if (local == "creator" || local == "author") {
                item.author = title_text(element_text(child), Markup::guess);
            } else if (local == "date") {
                if (!dates.published) dates.published = child;
            } else if (local == "subject") {
                add_category(item, element_text(child));
            } else if (local == "language") {
                item.language = clean_text(element_text(child));
            } else if (local == "identifier") {
                if (item.id.empty()) item.id = clean_text(element_text(child));
            } else if (local == "title") {
                if (item.title.empty()) item.title = title_text(element_text(child), Markup::guess);
            } else if (local == "description") {
                if (item.summary.empty()) item.summary = context.html(child, text_or_markup(child));
            }
            break;
        case Ns::dcterms:
            if (local == "modified") dates.updated = child;
            if (local == "issued" && !dates.published) dates.published = child;
            break;
        case Ns::content:
            if (local == "encoded") item.content = context.html(child, text_or_markup(child));
            break;
        case Ns::media: read_media(child, item, context, media_title); break;
        case Ns::itunes:
            if (local == "author" && item.author.empty()) {
                item.author = title_text(element_text(child), Markup::guess);
            } else if (local == "category") {
                add_category(item, attribute(child, "text"));
                for (const pugi::xml_node sub : child.children())
                    if (sub.type() == pugi::node_element && local_name(sub) == "category")
                        add_category(item, attribute(sub, "text"));
            }
            break;
        case Ns::atom10:
            if (local == "link") {
                const std::string_view rel = trim(attribute(child, "rel"));
                if (rel.empty() || rel == "alternate")
                    alternate.offer(context, child, attribute(child, "href"), attribute(child, "type"));
                if (rel == "enclosure")
                    add_enclosure(item, Enclosure{.url = context.resolve(child, attribute(child, "href")),
                                                  .type = clean_text(attribute(child, "type")),
                                                  .length = parse_length(attribute(child, "length"))});
            } else if (local == "updated") {
                dates.updated = child;
            } else if (local == "published") {
                if (!dates.published) dates.published = child;  // pubDate, met later, still wins
            }
            break;
        default: break;
    }
}

// Fills `item`, which the caller placed in the feed already: a ParsedItem is large, and moving
// it in afterwards costs more than reading some of its fields.
void read_item(pugi::xml_node element, std::size_t index, ReadContext& context, ParsedItem& item) {
    DateElements dates;
    std::string rss_link;
    AlternateLink alternate;
    std::string media_title;
    bool guid_is_permalink = false;
    ChildNames names(element);
    for (const pugi::xml_node child : element.children())
        if (child.type() == pugi::node_element)
            read_item_child(child, names.of(child), item, dates, context, rss_link, alternate, media_title,
                            guid_is_permalink);

    if (item.title.empty()) item.title = std::move(media_title);

    if (item.id.empty()) item.id = clean_text(attribute(element, Ns::rdf, "about"));
    item.link = rss_link.empty() ? alternate.take() : std::move(rss_link);
    // RSS 2.0: a guid is a permalink unless it says otherwise.
    if (item.link.empty() && guid_is_permalink && looks_like_web_url(item.id))
        item.link = context.resolve(element, item.id);
    if (item.language.empty()) item.language = context.language_at(element);
    if (item.language.empty()) item.language = context.feed().language;
    if (dates.published) item.published = context.date(dates.published, index, &item);
    if (dates.updated) item.updated = context.date(dates.updated, index, &item);
}

void read_channel(pugi::xml_node channel, ReadContext& context) {
    ParsedFeed& feed = context.feed();
    AlternateLink atom_link;
    ChildNames names(channel);
    for (const pugi::xml_node child : channel.children()) {
        if (child.type() != pugi::node_element) continue;
        const QualifiedName name = names.of(child);
        const auto [ns, local] = name;
        if (local == "item") continue;  // read later; most of a channel's children
        if (read_feed_hint(child, name, context)) continue;
        if (is_rss_core(ns)) {
            if (local == "title") {
                feed.title = title_text(element_text(child), Markup::guess);
            } else if (local == "link") {
                if (const ElementText text(child); !trim(text).empty()) {
                    if (std::string url = context.resolve(child, text); !url.empty()) feed.link = std::move(url);
                } else if (const std::string_view rel = trim(attribute(child, "rel"));
                           rel.empty() || rel == "alternate") {
                    atom_link.offer(context, child, attribute(child, "href"), attribute(child, "type"));
                }
            } else if (local == "description") {
                feed.subtitle = title_text(element_text(child), Markup::guess);
            } else if (local == "language") {
                feed.language = clean_text(element_text(child));
            }
        } else if (ns == Ns::dc) {
            if (local == "language" && feed.language.empty())
                feed.language = clean_text(element_text(child));
            else if (local == "title" && feed.title.empty())
                feed.title = title_text(element_text(child), Markup::guess);
        } else if (ns == Ns::atom10 && local == "link") {
            const std::string_view rel = trim(attribute(child, "rel"));
            if (rel.empty() || rel == "alternate")
                atom_link.offer(context, child, attribute(child, "href"), attribute(child, "type"));
        }
    }
    if (feed.link.empty()) feed.link = atom_link.take();
    if (feed.language.empty()) feed.language = nearest_language(channel);
    context.set_feed_link(feed.link);
}

}  // namespace

void read_rss(pugi::xml_node root, ReadContext& context) {
    ParsedFeed& feed = context.feed();
    const Ns root_ns = namespace_of(root);
    // RSS 1.1: the root is the channel, and its items are in <items>.
    const bool rss11 = root_ns == Ns::rss11;
    const bool rdf = root_ns == Ns::rdf || rss11;
    pugi::xml_node channel;
    if (rss11) channel = root;
    for (const pugi::xml_node child : root.children())
        if (!rss11 && child.type() == pugi::node_element && local_name(child) == "channel" &&
            is_rss_core(namespace_of(child))) {
            channel = child;
            break;
        }
    if (rss11) {
        feed.format = FeedFormat::rdf;
        feed.version = "1.1";
    } else if (rdf) {
        feed.format = FeedFormat::rdf;
        const bool netscape = channel ? namespace_of(channel) == Ns::rss090
                                      : attribute(root, "xmlns").find("/rdf/simple/0.9") != std::string_view::npos;
        feed.version = netscape ? "0.90" : "1.0";
    } else {
        feed.format = FeedFormat::rss;
        feed.version = clean_text(attribute(root, "version"));
    }
    if (channel)
        read_channel(channel, context);
    else
        context.warn("no <channel> element");
    // RSS 1.0 keeps <image> (and sometimes the hints) beside the channel, not inside it.
    if ((rdf && !rss11) || !channel) {
        for (const pugi::xml_node child : root.children())
            if (child.type() == pugi::node_element && local_name(child) != "channel" && local_name(child) != "item")
                (void)read_feed_hint(child, qualified_name(child), context);
    }
    finish_feed_hints(context);

    // Items belong in <channel> (RSS 2.0) or beside it (RDF); broken feeds mix the two.
    std::size_t index = 0;
    const auto read_items_under = [&](pugi::xml_node parent) {
        ChildNames names(parent);
        for (const pugi::xml_node child : parent.children())
            if (child.type() == pugi::node_element) {
                const auto [ns, local] = names.of(child);
                if (local == "item" && is_rss_core(ns)) read_item(child, index++, context, feed.items.emplace_back());
            }
    };
    const auto count_items_under = [](pugi::xml_node parent) {
        std::size_t count = 0;
        for (const pugi::xml_node child : parent.children()) count += local_name(child) == "item" ? 1 : 0;
        return count;
    };
    if (rss11) {
        for (const pugi::xml_node child : root.children())
            if (child.type() == pugi::node_element && local_name(child) == "items" && namespace_of(child) == Ns::rss11)
                read_items_under(child);
        return;
    }
    feed.items.reserve(feed.items.size() + (channel ? count_items_under(channel) : 0) + count_items_under(root));
    if (channel) read_items_under(channel);
    read_items_under(root);
}

}  // namespace tributary::parse

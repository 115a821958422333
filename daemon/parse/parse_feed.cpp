#include "parse/parse_feed.hpp"

#include <fmt/format.h>

#include <new>
#include <optional>
#include <pugixml.hpp>
#include <string>

#include "core/text.hpp"
#include "parse/charset.hpp"
#include "parse/json_feed.hpp"
#include "parse/location.hpp"
#include "parse/mojibake.hpp"
#include "parse/reader.hpp"
#include "parse/xml_repair.hpp"

namespace tributary::parse {
namespace {

// Text that is an element's first child is kept in the element itself (parse_embed_pcdata): a
// feed is mostly leaf elements holding text, and pugixml then makes one node for each instead of
// two. reader.cpp reads an element's own value before its children.
constexpr unsigned kParseOptions = pugi::parse_default | pugi::parse_embed_pcdata;

enum class RootKind { rss, atom, atom_entry, not_a_feed };

RootKind classify_root(pugi::xml_node root) {
    const std::string_view local = local_name(root);
    const Ns ns = namespace_of(root);
    if (local == "rss") return RootKind::rss;
    if (local == "RDF" && ns == Ns::rdf) return RootKind::rss;
    if (local == "Channel" && ns == Ns::rss11) return RootKind::rss;  // RSS 1.1
    if (local == "entry" && (ns == Ns::atom10 || ns == Ns::atom03)) return RootKind::atom_entry;
    if (local == "feed" && (ns == Ns::atom10 || ns == Ns::atom03 || ns == Ns::none || ns == Ns::other))
        return RootKind::atom;
    return RootKind::not_a_feed;
}

std::string describe_error(std::string_view text, const pugi::xml_parse_result& result) {
    const Location at = location_of(text, result.offset);
    return fmt::format("line {}, column {}: {}", at.line, at.column, result.description());
}

// Where the first start tag of a feed's root (<rss>, <feed>, <rdf:RDF>, an Atom <entry>, RSS 1.1's
// <Channel>) begins, or npos.
std::size_t find_feed_root(std::string_view text) {
    std::size_t best = std::string_view::npos;
    for (const std::string_view tag : {"<rss", "<feed", "<rdf:RDF", "<RDF", "<entry", "<Channel"}) {
        for (std::size_t at = text.find(tag); at != std::string_view::npos; at = text.find(tag, at + 1)) {
            const std::size_t after = at + tag.size();
            if (after < text.size() && std::string_view(" \t\r\n>").find(text[after]) != std::string_view::npos) {
                best = std::min(best, at);
                break;
            }
        }
    }
    return best;
}

bool is_item_name(std::string_view local) { return local == "item" || local == "entry"; }

// The item or entry that starts last in the document, wherever the format keeps them.
pugi::xml_node last_item(pugi::xml_node root) {
    pugi::xml_node last;
    const auto consider_children = [&](pugi::xml_node parent) {
        for (const pugi::xml_node child : parent.children())
            if (child.type() == pugi::node_element && is_item_name(local_name(child)) &&
                (!last || child.offset_debug() > last.offset_debug()))
                last = child;
    };
    consider_children(root);
    for (const pugi::xml_node child : root.children())
        if (child.type() == pugi::node_element && local_name(child) == "channel") consider_children(child);
    return last;
}

// pugixml keeps the tree it built up to the error, including the element it was inside;
// an item whose end tag never came is a fragment, not an item.
bool drop_unfinished_item(pugi::xml_node root, std::string_view text, std::ptrdiff_t error_offset) {
    pugi::xml_node item = last_item(root);
    if (!item) return false;
    const std::ptrdiff_t start = item.offset_debug();
    if (start < 0 || error_offset < start) return false;
    // pugixml reports a missing end tag at the last byte it read, which may be the '>' of the
    // item's own end tag.
    const std::string_view span =
        text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(error_offset - start) + 1);
    if (span.find("</" + std::string(item.name()) + ">") != std::string_view::npos) return false;
    return item.parent().remove_child(item);
}

// decode_to_utf8, and then, in a document that was UTF-8 (or read as such), the characters that
// were UTF-8 encoded twice read back (mojibake.hpp says when that is unambiguous).
DecodedDocument decode_document(std::string_view body, const ParseOptions& options) {
    DecodedDocument decoded = decode_to_utf8(body, options.content_type, options.encoding_override, true);
    if (decoded.encoding.used != "UTF-8") return decoded;
    std::optional<MojibakeRepair> repaired = repair_double_encoded_utf8(decoded.text(body));
    if (!repaired) return decoded;
    decoded.utf8 = std::move(repaired->text);
    decoded.borrowed = false;
    decoded.warnings.push_back(
        fmt::format("read back {} characters that were UTF-8 encoded twice (\"Ã©\" for \"é\")", repaired->sequences));
    return decoded;
}

Result<ParsedFeed> parse_unguarded(std::string_view body, const ParseOptions& options) {
    if (trim(body).empty()) return fail(ErrorKind::Parse, "parse: line 1, column 1: empty document");

    // A body that is already UTF-8 (most are) is read where it lies: pugixml's own copy is the only one.
    DecodedDocument decoded = decode_document(body, options);
    const std::string_view utf8 = decoded.text(body);
    if (looks_like_json(utf8)) {
        ParsedFeed feed;
        feed.encoding = std::move(decoded.encoding);
        feed.warnings = std::move(decoded.warnings);
        return read_json_feed(utf8, options, std::move(feed));
    }
    RepairedXml repaired = repair_xml(utf8);
    if (!repaired.refused.empty()) return fail(ErrorKind::Parse, "parse: " + repaired.refused);
    std::string_view text = repaired.changed ? std::string_view{repaired.text} : utf8;

    // A converted or repaired document is in a buffer of ours, which pugixml may parse where it
    // lies instead of copying it first; the caller's bytes are only ever read.
    char* const own_buffer = repaired.changed ? repaired.text.data() : decoded.borrowed ? nullptr : decoded.utf8.data();
    pugi::xml_document document;
    pugi::xml_parse_result parsed =
        own_buffer != nullptr
            ? document.load_buffer_inplace(own_buffer, text.size(), kParseOptions, pugi::encoding_utf8)
            : document.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
    if (own_buffer != nullptr && (!parsed || !document.document_element())) {
        // pugixml has written into the buffer up to the error, and what follows reads the text as
        // it was (line and column, the feed's root, the cut-off item): make it again (the same
        // input gives the same text) and parse a copy, as for any other document.
        decoded = decode_document(body, options);
        repaired = repair_xml(decoded.text(body));
        text = repaired.changed ? std::string_view{repaired.text} : decoded.text(body);
        parsed = document.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
    }
    std::string skipped_prolog;
    RepairedXml reparsed_text;
    if (!document.document_element()) {
        // A broken comment or declaration before the root hides the whole feed; the feed
        // itself may be fine, so start over at its root element.
        const std::size_t start = find_feed_root(text);
        if (start == std::string_view::npos || start == 0)
            return fail(ErrorKind::Parse, "parse: " + describe_error(text, parsed));
        skipped_prolog = fmt::format("skipped {} unreadable bytes before the root element ({})", start,
                                     describe_error(text, parsed));
        // The repair took what follows an unclosed comment or CDATA for part of it and left it
        // alone; read as the document it now is, it needs the repair again (found by fuzzing).
        reparsed_text = repair_xml(text.substr(start));
        if (!reparsed_text.refused.empty()) return fail(ErrorKind::Parse, "parse: " + reparsed_text.refused);
        text = reparsed_text.changed ? std::string_view{reparsed_text.text} : text.substr(start);
        parsed = document.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
        if (!document.document_element()) return fail(ErrorKind::Parse, "parse: " + describe_error(text, parsed));
    }
    const pugi::xml_node root = document.document_element();

    begin_document();
    const RootKind kind = classify_root(root);
    if (kind == RootKind::not_a_feed)
        return fail(ErrorKind::UnsupportedFormat,
                    fmt::format("parse: root element <{}> is not RSS, RDF or Atom", root.name()));

    ParsedFeed feed;
    feed.encoding = std::move(decoded.encoding);
    feed.warnings = std::move(decoded.warnings);
    feed.warnings.insert(feed.warnings.end(), repaired.warnings.begin(), repaired.warnings.end());
    if (!skipped_prolog.empty()) feed.warnings.push_back(std::move(skipped_prolog));
    if (!parsed) {
        feed.warnings.push_back("not well-formed XML (" + describe_error(text, parsed) +
                                "); kept what was read before the error");
        if (drop_unfinished_item(root, text, parsed.offset))
            feed.warnings.push_back("dropped the last item: it was cut off by the error");
    }

    ReadContext context{feed, options.base_url, options.sanitize, options.timezone};
    const DocumentTextCheck check_text{!parsed};
    switch (kind) {
        case RootKind::atom: read_atom(root, context); break;
        case RootKind::atom_entry: read_atom_entry_document(root, context); break;
        case RootKind::rss:
        case RootKind::not_a_feed: read_rss(root, context); break;
    }
    context.finish_warnings();
    if (const std::string prefix = take_undeclared_prefix(); !prefix.empty())
        feed.warnings.push_back("namespace prefix \"" + prefix +
                                ":\" used without a declaration; read by its usual meaning");
    return feed;
}

}  // namespace

Result<ParsedFeed> parse_feed(std::string_view body, const ParseOptions& options) {
    // Nothing may escape into the worker pool: a failure here is one feed's problem.
    try {
        (void)take_values_over_limit();  // a count left by a document that threw
        Result<ParsedFeed> feed = parse_unguarded(body, options);
        if (const std::size_t dropped = take_values_over_limit(); dropped > 0 && feed)
            feed->warnings.push_back(
                fmt::format("dropped {} categories or enclosures beyond {} categories and {} enclosures in one item",
                            dropped, kMaxCategoriesPerItem, kMaxEnclosuresPerItem));
        return feed;
    } catch (const std::bad_alloc&) {
        return fail(ErrorKind::TooLarge, fmt::format("parse: out of memory on a {}-byte document", body.size()));
    } catch (const std::exception& error) {
        return fail(ErrorKind::Internal, fmt::format("parse: {}", error.what()));
    } catch (...) {
        return fail(ErrorKind::Internal, "parse: unknown exception");
    }
}

}  // namespace tributary::parse

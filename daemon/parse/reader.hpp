#pragma once
// What the format readers (rss.cpp, atom.cpp) share: namespaces matched by URI, text
// extraction, URL bases, dates with warnings. Internal to the parse stage.

#include <array>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.hpp"

namespace tributary::parse {

// Namespaces we read, identified by URI whatever prefix a document binds them to.
enum class Ns {
    none,
    rss10,
    rss090,
    rss11,
    atom10,
    atom03,
    rdf,
    dc,
    dcterms,
    content,
    media,
    xhtml,
    sy,
    itunes,
    other
};

Ns namespace_of(pugi::xml_node element);
// A prefix used without an xmlns declaration is read by its conventional binding (dc:, media:, …)
// and remembered, per thread, so that parse_feed can warn once per document. Call
// begin_document before reading each document's elements: it also clears the per-thread cache
// of namespace lookups, which is keyed by node addresses.
void begin_document();
std::string take_undeclared_prefix();
std::string_view local_name(pugi::xml_node node);
// Both at once, reading the element's name once: what the per-item loops use.
struct QualifiedName {
    Ns ns;
    std::string_view local;
};
QualifiedName qualified_name(pugi::xml_node element);
// Names the element children of one parent. A child that declares no namespace of its own
// (nearly all do not) inherits the parent's bindings, so each distinct prefix is resolved once
// per parent rather than once per child: the loops over an item's or a channel's children use it.
class ChildNames {
public:
    explicit ChildNames(pugi::xml_node parent) noexcept : parent_(parent) {}
    QualifiedName of(pugi::xml_node child);

private:
    struct Resolved {
        std::string_view prefix;
        Ns ns;
    };
    pugi::xml_node parent_;
    std::array<Resolved, 6> resolved_{};
    std::size_t resolved_count_ = 0;
};
bool is_element(pugi::xml_node node, Ns ns, std::string_view local);
// RSS elements carry no namespace in 0.9x/2.0 and the RSS 1.0/0.90 one in RDF; both are read alike.
bool is_rss_core(Ns ns) noexcept;

// An unprefixed attribute ("href", "type"), or "" when absent.
std::string_view attribute(pugi::xml_node element, const char* name);
// A namespaced attribute such as rdf:about, matched by URI.
std::string_view attribute(pugi::xml_node element, Ns ns, std::string_view local);

// Concatenated character data of the element's descendants. Most elements hold one text node,
// which is read where it lies in the document rather than copied; so an ElementText lives only
// as long as the full expression that made it (pass it on as a string_view, or take str()).
class ElementText {
public:
    explicit ElementText(pugi::xml_node element);
    ElementText(const ElementText&) = delete;  // the view may point into owned_
    ElementText& operator=(const ElementText&) = delete;

    operator std::string_view() const noexcept { return view_; }  // NOLINT: used as text
    std::string str() const { return std::string(view_); }

private:
    std::string owned_;
    std::string_view view_;
};
inline ElementText element_text(pugi::xml_node element) { return ElementText(element); }

// True when `text` has a '<' or '&': what makes a title or category worth reading as HTML.
bool has_markup_characters(std::string_view text) noexcept;
// The element's children serialized as markup, prefixes dropped (for Atom xhtml and for HTML
// that a feed put unescaped inside <description>).
std::string inner_markup(pugi::xml_node element);
// inner_markup when the element has element children, element_text otherwise.
std::string text_or_markup(pugi::xml_node element);

// The text helpers below expect what they are given to be valid, XML-safe UTF-8 already: the
// document was converted and repaired before pugixml read it (so its text and attributes are),
// and the JSON reader cleans each string it takes. They do not check it again, except while a
// DocumentTextCheck is enabled: pugixml leaves half-decoded bytes in the node it stopped in
// when a document is not well-formed (found by fuzzing), so parse_feed enables it then.
class DocumentTextCheck {
public:
    explicit DocumentTextCheck(bool enabled);
    ~DocumentTextCheck();
    DocumentTextCheck(const DocumentTextCheck&) = delete;
    DocumentTextCheck& operator=(const DocumentTextCheck&) = delete;

private:
    bool previous_;
};
std::string document_string(std::string_view text);  // a copy, made XML-safe when checking
std::string document_string(std::string&& text);

std::string clean_text(std::string_view text);  // trimmed
// How to read a title-like string: Atom says which (type="text"/"html"); RSS never does.
enum class Markup { none, html, guess };
std::string title_text(std::string_view text, Markup markup);  // plain, whitespace collapsed
// Which '<' of a title are markup. all: a tag that is complete (and, for an element whose content
// is raw text, closed later), as in HTML the format declared. formatting: only the text-level
// elements a title is formatted with, each with its end tag (or void), as in an RSS title, which
// is text that may carry some HTML. Every other '<' is escaped, so that an unclosed "tag" ("A<B",
// "The <canvas> element") cannot take the rest of the title with it.
enum class TitleTags { all, formatting };
std::string escape_stray_tags(std::string_view text, TitleTags tags);
// The title's text: escape_stray_tags, then the text of every element but script and style.
std::string title_markup_to_text(std::string_view text, TitleTags tags);
std::string collapse_whitespace(std::string_view text);  // runs of spaces/NBSP -> one space, trimmed
std::string text_as_html(std::string_view text);         // escaped so HTML shows it as written
std::string nearest_language(pugi::xml_node element);    // xml:lang in scope, or ""
std::optional<std::int64_t> parse_length(std::string_view text);

// Both skip duplicates, which is a comparison with each value the item already has: the limits
// keep that linear in a hostile item with 50,000 categories (quadratic, it took 5.5 s), and no
// reader needs more. What they drop is counted per thread; parse_feed warns once per document.
inline constexpr std::size_t kMaxCategoriesPerItem = 256;
inline constexpr std::size_t kMaxEnclosuresPerItem = 64;
void add_category(ParsedItem& item, std::string_view category);
void add_enclosure(ParsedItem& item, Enclosure enclosure);
std::size_t take_values_over_limit() noexcept;  // and reset the count

class ReadContext {
public:
    ReadContext(ParsedFeed& feed, std::string_view base_url, bool sanitize = true, std::string_view timezone = {})
        : feed_(feed), base_url_(base_url), timezone_(timezone), sanitize_(sanitize) {}

    ParsedFeed& feed() { return feed_; }
    // Warnings about single items (an unparseable date in each of 10,000 items) are listed up to a
    // limit and then counted: finish_warnings adds the count.
    void warn(std::string message) {
        if (feed_.warnings.size() < kMaxListedWarnings)
            feed_.warnings.push_back(std::move(message));
        else
            ++unlisted_warnings_;
    }
    void finish_warnings() {
        if (unlisted_warnings_ > 0)
            feed_.warnings.push_back("and " + std::to_string(std::exchange(unlisted_warnings_, 0)) +
                                     " more warnings, not listed");
    }
    static constexpr std::size_t kMaxListedWarnings = 100;

    // Once the feed's own link is known, relative item links resolve against it.
    void set_feed_link(std::string_view link);
    // The base URI in effect at `element`: its xml:base chain over the feed link or base_url.
    std::string base_for(pugi::xml_node element) const;
    // `reference` resolved against base_for(element): an absolute http(s) URL, or "" (with a
    // warning) when it is none, whatever its scheme or its base's.
    std::string resolve(pugi::xml_node element, std::string_view reference);

    // xml:lang in scope at `element` (nearest_language, remembering where there is none).
    std::string language_at(pugi::xml_node element) const;

    std::optional<SysTime> date(pugi::xml_node element, std::size_t item_index, const ParsedItem* item);

    // Summary or content HTML found at `element`: sanitized against its base, or, when the
    // caller sanitizes later (ParseOptions::sanitize = false), the document's HTML as written.
    std::string html(pugi::xml_node element, std::string markup);

    // sy:updatePeriod and sy:updateFrequency as written, combined by finish_feed_hints.
    std::string sy_period;
    std::string sy_frequency;

private:
    std::string_view document_base() const noexcept;                             // the feed's link, or else base_url
    std::vector<std::string_view> bases_in_scope(pugi::xml_node element) const;  // xml:base values, nearest first
    std::string base_from(const std::vector<std::string_view>& bases) const;     // document_base, then each of them

    // xml:base and xml:lang hold for the element that carries them and everything inside it.
    // Every link and every item asks, and most feeds have neither: the two nearest ancestors of
    // the last element found to have none in scope end the next walk up (they are the item and
    // the channel when an item's children ask).
    class NoneInScope {
    public:
        bool covers(pugi::xml_node node) const noexcept {
            const void* const object = node.internal_object();
            return object != nullptr && (object == parent_ || object == grandparent_);
        }
        void remember(pugi::xml_node element) noexcept {
            parent_ = element.parent().internal_object();
            grandparent_ = element.parent().parent().internal_object();
        }

    private:
        const void* parent_ = nullptr;
        const void* grandparent_ = nullptr;
    };

    ParsedFeed& feed_;
    mutable NoneInScope no_base_;
    mutable NoneInScope no_language_;
    std::string_view base_url_;
    std::string_view timezone_;  // of the dates that name none
    std::string document_base_;
    bool sanitize_ = true;
    bool warned_double_escaped_ = false;
    std::size_t unlisted_warnings_ = 0;
};

// Which of several alternate links (atom:link rel="alternate", an RSS <link href> without text)
// is the web page of an item or feed: the one typed text/html (or XHTML), else one without a
// type, else any other that can be published. Of equal ones the first. A link that cannot win is
// not resolved, so a link passed over is not warned about.
class AlternateLink {
public:
    void offer(ReadContext& context, pugi::xml_node element, std::string_view href, std::string_view type);
    bool empty() const noexcept { return url_.empty(); }
    std::string take() { return std::move(url_); }

private:
    std::string url_;
    int rank_ = kNone;
    static constexpr int kNone = 4;
};

// A Media RSS element (media:) of an item or entry: media:category as a category, media:content
// as an enclosure, media:group as the alternatives it holds, and media:title, also inside a group
// or a content, as the title the item takes when it has none of its own (the first one, kept in
// `media_title` for the caller to apply).
void read_media(pugi::xml_node element, ParsedItem& item, ReadContext& context, std::string& media_title);

// Channel-level scheduling and image hints shared by RSS, RDF and Atom: <ttl>, <skipHours>,
// <skipDays>, sy:updatePeriod/updateFrequency, <image><url>, itunes:image. Returns true when
// `child` was one of them.
bool read_feed_hint(pugi::xml_node child, QualifiedName name, ReadContext& context);
// After all channel children were seen: turns the sy: pair into ParsedFeed::update_period.
void finish_feed_hints(ReadContext& context);

void read_rss(pugi::xml_node root, ReadContext& context);   // <rss>, <rdf:RDF> and RSS 1.1's <Channel>
void read_atom(pugi::xml_node root, ReadContext& context);  // Atom 0.3 and 1.0 <feed>
// An Atom entry document (RFC 4287 5.1: an <entry> as the root): a feed of that one item.
void read_atom_entry_document(pugi::xml_node root, ReadContext& context);

}  // namespace tributary::parse

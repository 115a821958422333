// The URL rule as properties over generated input rather than a list of known attacks: whatever
// URLs and bases go in (any scheme, any case, disguised with controls, whitespace, percent- or
// character-reference encoding; relative in every form), every URL that comes out of resolution,
// of the sanitizer and of the feed readers is empty or an absolute http(s) URL (mailto too for an
// HTML link). The generator has a fixed seed, so a failure reproduces; each check says its input.
//
// The checks read outputs the way a browser would, with code of their own (and gumbo for HTML),
// not with the helpers under test.

#include <gtest/gtest.h>
#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/url_safety.hpp"
#include "parse/parse_feed.hpp"
#include "support/browser_url.hpp"

namespace tributary::parse {
namespace {

constexpr std::uint64_t kSeed = 20251229;

// ------------------------------------------------------------------------------ the oracle ---

bool is_c0_or_space(char c) { return static_cast<unsigned char>(c) <= 0x20; }

using testing::browser_scheme;

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char c = text[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != prefix[i]) return false;
    }
    return true;
}

// The property: "" (dropped), or "http://"/"https://" from the very first byte, which a browser
// reads as that scheme too. `mailto` admits "mailto:" as well (an HTML link).
::testing::AssertionResult is_web_url_or_empty(std::string_view url, bool mailto = false) {
    if (url.empty()) return ::testing::AssertionSuccess();
    const std::string scheme = browser_scheme(url);
    const bool literal = starts_with_ignoring_case(url, "http://") || starts_with_ignoring_case(url, "https://") ||
                         (mailto && starts_with_ignoring_case(url, "mailto:"));
    const bool read_as = scheme == "http" || scheme == "https" || (mailto && scheme == "mailto");
    if (literal && read_as) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << url << "\" is read with scheme \"" << scheme << "\"";
}

// What a browser resolves against as an http(s) page: the same cleaning as browser_scheme, then
// "http://" or "https://" and more.
bool is_web_base(std::string_view base) {
    while (!base.empty() && is_c0_or_space(base.front())) base.remove_prefix(1);
    std::string cleaned;
    for (const char c : base)
        if (c != '\t' && c != '\n' && c != '\r') cleaned += c;
    return (starts_with_ignoring_case(cleaned, "http://") && cleaned.size() > 7) ||
           (starts_with_ignoring_case(cleaned, "https://") && cleaned.size() > 8);
}

// ---------------------------------------------------------------------------- the generator ---

class Generator {
public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    // rng_() % n rather than a distribution: the engine's output is fixed by the standard, the
    // distributions' are not, and the same seed must give the same input everywhere.
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
    bool percent(unsigned p) { return below(100) < p; }
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& choices) {
        return choices[below(N)];
    }

    // Any URL or reference a hostile or careless feed might hold.
    std::string url() {
        std::string out;
        if (percent(25)) out += pick(kLeading);
        out += percent(55) ? absolute() : relative();
        if (percent(10)) out += pick(kLeading);
        return out;
    }

    // A base: often a web page (so that resolution happens), else anything url() gives.
    std::string base() {
        if (percent(45)) return std::string(pick(kWebBases));
        return url();
    }

    std::string scheme() {
        std::string s(pick(kSchemes));
        if (percent(40))
            for (char& c : s)
                if (percent(50) && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (percent(35)) insert_somewhere(s, pick(kInside));
        if (percent(15)) {  // one letter as a character reference or a percent escape
            const std::size_t at = below(s.size());
            static constexpr std::array<const char*, 3> kForms{"&#%u;", "&#x%X;", "%%%02X"};
            char encoded[16];
            std::snprintf(encoded, sizeof encoded, pick(kForms),
                          static_cast<unsigned>(static_cast<unsigned char>(s[at])));
            s.replace(at, 1, encoded);
        }
        return s;
    }

private:
    // (One call of the generator per statement: the order in which the operands of + or the
    // arguments of a call are evaluated is the compiler's choice.)
    void insert_somewhere(std::string& text, std::string_view what) {
        const std::size_t at = below(text.size() + 1);
        text.insert(at, what);
    }

    std::string absolute() {
        std::string out = scheme();
        out += pick(kColons);
        out += pick(kRests);
        return out;
    }

    std::string relative() {
        std::string out(pick(kRelatives));
        if (percent(20)) insert_somewhere(out, pick(kInside));
        return out;
    }

    static constexpr std::array<std::string_view, 21> kSchemes{
        "javascript", "vbscript",    "data",       "file",  "ftp",    "about",  "blob",
        "http",       "https",       "mailto",     "jar",   "ws",     "wss",    "tel",
        "feed",       "view-source", "livescript", "mocha", "chrome", "intent", "x"};
    static constexpr std::array<std::string_view, 5> kColons{":", ":", ":", "&colon;", "%3A"};
    static constexpr std::array<std::string_view, 14> kRests{
        "alert(1)",
        "//evil.example/x",
        "//",
        "///etc/passwd",
        "text/html;base64,PHNjcmlwdD4=",
        "image/png;base64,AAAA",
        "image/svg+xml,<svg onload=alert(1)>",
        "msgbox(1)",
        "a@b.example",
        "",
        "//a.example:8080/p/../q?x=1#f",
        "\\\\evil.example\\x",
        "/\\evil.example/",
        "//user:pw@a.example/",
    };
    static constexpr std::array<std::string_view, 24> kRelatives{"page.html",
                                                                 "./page",
                                                                 "../up",
                                                                 "../../../../x",
                                                                 "//cdn.example/x",
                                                                 "/abs/path",
                                                                 "?q=1",
                                                                 "#frag",
                                                                 "",
                                                                 ".",
                                                                 "..",
                                                                 "a/b/../c",
                                                                 "/\\evil.example",
                                                                 "%6Aavascript:alert(1)",
                                                                 "sub dir/\xC3\xA9",
                                                                 "javascript%3Aalert(1)",
                                                                 "///triple",
                                                                 "\\\\unc\\share",
                                                                 "&#106;avascript:alert(1)",
                                                                 "javascript&#58;alert(1)",
                                                                 "a:b",
                                                                 ":x",
                                                                 "//",
                                                                 "/./.."};
    static constexpr std::array<std::string_view, 10> kLeading{
        " ", "\t", "\n", std::string_view("\0", 1), "\x01", "\x0C", "\x1F", "\xC2\xA0", "\xEF\xBB\xBF", "&#32;"};
    static constexpr std::array<std::string_view, 8> kInside{"\t",   "\n",   "\r", " ", std::string_view("\0", 1),
                                                             "\x01", "&#9;", "%09"};
    static constexpr std::array<std::string_view, 6> kWebBases{
        "https://site.example/dir/feed.xml", "http://site.example",         "HTTPS://Site.example/a/b?c#d",
        "https://user@site.example:8443/x/", " https://site.example/lead/", "http://site.example/%D9%85/"};

    std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------- reading HTML output ---

struct Attribute {
    std::string element;
    std::string name;
    std::string value;
};

struct GumboDeleter {
    void operator()(GumboOutput* output) const { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};

void collect(const GumboNode* node, std::vector<Attribute>& out, std::string& text) {
    if (node->type == GUMBO_NODE_TEXT) text += node->v.text.text;
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) return;
    const GumboVector& children =
        node->type == GUMBO_NODE_ELEMENT ? node->v.element.children : node->v.document.children;
    if (node->type == GUMBO_NODE_ELEMENT) {
        const GumboVector& attributes = node->v.element.attributes;
        for (unsigned i = 0; i < attributes.length; ++i) {
            const auto* attribute = static_cast<const GumboAttribute*>(attributes.data[i]);
            out.push_back({gumbo_normalized_tagname(node->v.element.tag), attribute->name, attribute->value});
        }
    }
    for (unsigned i = 0; i < children.length; ++i) collect(static_cast<const GumboNode*>(children.data[i]), out, text);
}

// Every attribute of `html` as a browser parses it (character references decoded), and its text.
std::vector<Attribute> attributes_of(std::string_view html, std::string* text = nullptr) {
    const std::unique_ptr<GumboOutput, GumboDeleter> parsed{
        gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size())};
    std::vector<Attribute> out;
    std::string collected;
    collect(parsed->document, out, collected);
    if (text != nullptr) *text = std::move(collected);
    return out;
}

// Every attribute a browser would follow, fetch or navigate to.
constexpr std::array<std::string_view, 20> kUrlAttributes{
    "href",   "src",  "cite",   "srcset", "poster",   "action",   "formaction", "background", "data",    "longdesc",
    "usemap", "ping", "lowsrc", "dynsrc", "manifest", "codebase", "archive",    "icon",       "profile", "xlink:href"};

// An HTML output holds no URL a browser would follow except http(s), and mailto in a link; and
// no attribute that is neither a URL nor plain text to the browser. Returns how many URLs it holds.
int expect_html_urls_are_web(std::string_view html, std::string_view input) {
    int urls = 0;
    for (const Attribute& attribute : attributes_of(html)) {
        bool is_url = false;
        for (const std::string_view name : kUrlAttributes) is_url = is_url || attribute.name == name;
        if (attribute.name.starts_with("on") || attribute.name == "style")
            ADD_FAILURE() << attribute.name << " in " << html;
        if (!is_url) continue;
        EXPECT_TRUE(is_web_url_or_empty(attribute.value, attribute.name == "href"))
            << "<" << attribute.element << " " << attribute.name << "> of " << html << "\n  from " << input;
        EXPECT_FALSE(attribute.value.empty()) << "an empty URL attribute should have been removed: " << html;
        ++urls;
    }
    return urls;
}

// ----------------------------------------------------------------------------- resolution ---

TEST(UrlProperties, WebResolutionGivesHttpOrNothing) {
    Generator gen(kSeed);
    int kept = 0;
    for (int i = 0; i < 5000; ++i) {
        const std::string base = gen.base();
        const std::string reference = gen.url();
        const std::string resolved = resolve_web_url(base, reference);
        EXPECT_TRUE(is_web_url_or_empty(resolved)) << "base \"" << base << "\", reference \"" << reference << "\"";
        kept += resolved.empty() ? 0 : 1;
    }
    EXPECT_GT(kept, 1000);  // the property is not won by dropping everything
}

TEST(UrlProperties, ABaseThatIsNoWebPageIsIgnored) {
    Generator gen(kSeed + 1);
    for (int i = 0; i < 5000; ++i) {
        const std::string base = gen.url();
        if (is_web_base(base)) continue;
        const std::string reference = gen.url();
        EXPECT_EQ(resolve_url(base, reference), resolve_url("", reference))
            << "base \"" << base << "\", reference \"" << reference << "\"";
    }
}

TEST(UrlProperties, ResolvedAgainstAWebBaseARelativeReferenceKeepsTheBasesScheme) {
    Generator gen(kSeed + 2);
    for (int i = 0; i < 5000; ++i) {
        const std::string base = gen.base();
        const std::string reference = gen.url();
        // Only what both a browser and RFC 3986 read as a relative reference with a base to use.
        if (!is_web_base(base) || !browser_scheme(reference).empty()) continue;
        const std::string resolved = resolve_url(base, reference);
        if (resolved.empty()) continue;
        const std::string scheme = browser_scheme(resolved);
        EXPECT_TRUE(scheme.empty() || scheme == browser_scheme(base))
            << "base \"" << base << "\", reference \"" << reference << "\" gave \"" << resolved << "\"";
    }
}

TEST(UrlProperties, PublishableMeansABrowserReadsHttp) {
    Generator gen(kSeed + 3);
    for (int i = 0; i < 5000; ++i) {
        std::string url = gen.url();
        if (gen.percent(50)) {
            const std::string base = gen.base();
            url = resolve_url(base, url);
        }
        if (is_publishable_url(url)) {
            EXPECT_TRUE(is_web_url_or_empty(url)) << url;
        }
        if (is_publishable_href(url)) {
            EXPECT_TRUE(is_web_url_or_empty(url, true)) << url;
        }
    }
}

// ------------------------------------------------------------------------------- sanitizer ---

struct HostileHtml {
    std::string html;
    std::vector<std::string> text;  // what must survive sanitizing: the text of elements not dropped
};

// Markup with URLs in every attribute a browser follows, quoted both ways, some written as
// character references.
HostileHtml hostile_html(Generator& gen, int links) {
    static constexpr std::array<std::string_view, 16> kUses{
        "a href",      "img src",           "q cite",           "blockquote cite", "del cite",    "ins cite",
        "area href",   "video poster",      "video src",        "source srcset",   "form action", "iframe src",
        "object data", "button formaction", "table background", "img longdesc"};
    // Removed with their content by the sanitizer, by design.
    static constexpr std::array<std::string_view, 4> kDropped{"form", "iframe", "object", "button"};
    static constexpr std::array<std::string_view, 2> kQuotes{"\"", "'"};
    HostileHtml out;
    for (int i = 0; i < links; ++i) {
        const std::string_view use = gen.pick(kUses);
        const std::string element(use.substr(0, use.find(' ')));
        const std::string attribute(use.substr(use.find(' ') + 1));
        const bool references = gen.percent(20);
        std::string written;
        for (const char c : gen.url()) {
            if (c == '"' || c == '&' || c == '<' || c == '>' || c == '\'') {
                written += "&#" + std::to_string(static_cast<unsigned char>(c)) + ";";
            } else if (references && c >= 'a' && c <= 'z' && gen.percent(30)) {
                written += "&#" + std::to_string(static_cast<int>(c)) + ";";
            } else {
                written += c;
            }
        }
        const std::string quote(gen.pick(kQuotes));
        const std::string text = "L" + std::to_string(i) + "x";
        out.html +=
            "<" + element + " " + attribute + "=" + quote + written + quote + ">" + text + "</" + element + "> ";
        if (std::find(kDropped.begin(), kDropped.end(), element) == kDropped.end()) out.text.push_back(text);
    }
    return out;
}

TEST(SanitizerProperties, EveryUrlIsHttpOrMailtoAndTheTextStays) {
    Generator gen(kSeed + 4);
    int kept = 0;
    for (int i = 0; i < 600; ++i) {
        const std::string base = gen.base();
        const HostileHtml input = hostile_html(gen, 1 + static_cast<int>(gen.below(6)));
        const std::string out = sanitize_html(input.html, base);
        SCOPED_TRACE("base \"" + base + "\"");
        kept += expect_html_urls_are_web(out, input.html);
        // The attribute goes, never the text of a link or a quote.
        std::string text;
        (void)attributes_of(out, &text);
        for (const std::string& marker : input.text)
            EXPECT_NE(text.find(marker), std::string::npos) << marker << " lost from " << input.html << " -> " << out;
    }
    EXPECT_GT(kept, 100);  // about half of what this seed gives: not won by dropping all
}

TEST(SanitizerProperties, ABaseThatIsNoWebPageIsNoBase) {
    Generator gen(kSeed + 5);
    for (int i = 0; i < 600; ++i) {
        const std::string base = gen.url();
        if (is_web_base(base)) continue;
        const std::string html = hostile_html(gen, 3).html;
        EXPECT_EQ(sanitize_html(html, base), sanitize_html(html, "")) << "base \"" << base << "\": " << html;
    }
}

// --------------------------------------------------------------------------- feed readers ---

// Text for an XML document: escaped, and in some documents partly written as character
// references (which the XML parser, not the HTML one, decodes).
std::string xml_text(Generator& gen, std::string_view text) {
    const bool references = gen.percent(25);
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '&': out += "&amp;"; continue;
            case '<': out += "&lt;"; continue;
            case '>': out += "&gt;"; continue;
            case '"': out += "&quot;"; continue;
            default: break;
        }
        if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || (references && byte < 0x80 && gen.percent(30)))
            out += "&#" + std::to_string(byte) + ";";
        else
            out += c;
    }
    return out;
}

// A document under construction. Its << is sequenced left to right (C++17), where the operands
// of + are not: the generator is called in the same order by every compiler, so a seed gives
// the same documents everywhere.
struct Text {
    std::string text;
    Text& operator<<(std::string_view more) {
        text += more;
        return *this;
    }
};

std::string maybe_base(Generator& gen) {
    if (!gen.percent(35)) return {};
    const std::string base = gen.base();
    return " xml:base=\"" + xml_text(gen, base) + "\"";
}

std::string url_text(Generator& gen) {
    const std::string url = gen.url();
    return xml_text(gen, url);
}

std::string html_text(Generator& gen, int links) {
    const std::string html = hostile_html(gen, links).html;
    return xml_text(gen, html);
}

std::string random_rss(Generator& gen, int items) {
    Text doc;
    doc << "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
        << "xmlns:media=\"http://search.yahoo.com/mrss/\" "
        << "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"" << maybe_base(gen) << "><channel"
        << maybe_base(gen) << "><title>T</title>";
    doc << "<link>" << url_text(gen) << "</link>";
    doc << "<image><url>" << url_text(gen) << "</url></image>";
    for (int i = 0; i < items; ++i) {
        doc << "<item" << maybe_base(gen) << "><title>item " << std::to_string(i) << "</title>";
        doc << "<link" << maybe_base(gen) << ">" << url_text(gen) << "</link>";
        if (gen.percent(30)) doc << "<guid>" << url_text(gen) << "</guid>";
        doc << "<enclosure url=\"" << url_text(gen) << "\" type=\"audio/mpeg\"/>";
        if (gen.percent(40)) doc << "<media:content url=\"" << url_text(gen) << "\"/>";
        if (gen.percent(40)) doc << "<atom:link rel=\"enclosure\" href=\"" << url_text(gen) << "\"/>";
        if (gen.percent(40)) doc << "<comments>" << url_text(gen) << "</comments>";
        doc << "<description" << maybe_base(gen) << ">" << html_text(gen, 3) << "</description>";
        if (gen.percent(40)) doc << "<content:encoded>" << html_text(gen, 2) << "</content:encoded>";
        doc << "</item>";
    }
    doc << "</channel></rss>";
    return std::move(doc.text);
}

std::string random_atom(Generator& gen, int entries) {
    Text doc;
    doc << "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"" << maybe_base(gen)
        << "><title>A</title>";
    doc << "<link" << maybe_base(gen) << " href=\"" << url_text(gen) << "\"/>";
    doc << "<logo>" << url_text(gen) << "</logo><icon>" << url_text(gen) << "</icon>";
    for (int i = 0; i < entries; ++i) {
        doc << "<entry" << maybe_base(gen) << "><title>entry " << std::to_string(i) << "</title>";
        for (int links = 1 + static_cast<int>(gen.below(3)); links > 0; --links)
            doc << "<link" << maybe_base(gen) << " href=\"" << url_text(gen) << "\"/>";
        doc << "<link rel=\"enclosure\" href=\"" << url_text(gen) << "\"/>";
        doc << "<link rel=\"replies\" href=\"" << url_text(gen) << "\"/>";
        doc << "<summary type=\"html\"" << maybe_base(gen) << ">" << html_text(gen, 2) << "</summary>";
        doc << "<content type=\"html\"" << maybe_base(gen) << ">" << html_text(gen, 3) << "</content>";
        doc << "</entry>";
    }
    doc << "</feed>";
    return std::move(doc.text);
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04X", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string random_json(Generator& gen, int items) {
    Text doc;
    doc << "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"J\", \"home_page_url\": "
        << json_string(gen.url()) << ", \"feed_url\": " << json_string(gen.url())
        << ", \"icon\": " << json_string(gen.url()) << ", \"favicon\": " << json_string(gen.url()) << ", \"items\": [";
    for (int i = 0; i < items; ++i) {
        if (i > 0) doc << ", ";
        doc << "{\"id\": \"" << std::to_string(i) << "\", \"url\": " << json_string(gen.url())
            << ", \"external_url\": " << json_string(gen.url())
            << ", \"content_html\": " << json_string(hostile_html(gen, 3).html)
            << ", \"attachments\": [{\"url\": " << json_string(gen.url()) << "}]}";
    }
    doc << "]}";
    return std::move(doc.text);
}

// Every URL the feed publishes, and the HTML both as sanitized here and as the daemon sanitizes
// it later (`item.link.empty() ? feed URL : item.link`, whatever that URL is). Returns how many
// URLs were published, so that a test can tell that not everything was dropped.
int expect_feed_urls_are_web(const std::string& document, std::string_view base, int items) {
    SCOPED_TRACE("base \"" + std::string(base) + "\", document:\n" + document);
    int urls = 0;
    const auto check = [&urls](std::string_view url) {
        EXPECT_TRUE(is_web_url_or_empty(url));
        urls += url.empty() ? 0 : 1;
    };
    for (const bool sanitize : {true, false}) {
        const Result<ParsedFeed> parsed = parse_feed(document, {.base_url = base, .sanitize = sanitize});
        if (!parsed) {
            ADD_FAILURE() << parsed.error().message;
            return urls;
        }
        const ParsedFeed& feed = *parsed;
        check(feed.link);
        check(feed.image);
        // Items are never dropped for a URL.
        EXPECT_EQ(feed.items.size(), static_cast<std::size_t>(items));
        for (const ParsedItem& item : feed.items) {
            check(item.link);
            check(item.comments);
            for (const Enclosure& enclosure : item.enclosures) {
                EXPECT_FALSE(enclosure.url.empty());
                check(enclosure.url);
            }
            if (sanitize) {
                urls += expect_html_urls_are_web(item.summary, "summary");
                urls += expect_html_urls_are_web(item.content, "content");
            } else {
                const std::string_view item_base = item.link.empty() ? base : std::string_view{item.link};
                urls += expect_html_urls_are_web(sanitize_html(item.summary, item_base), item.summary);
                urls += expect_html_urls_are_web(sanitize_html(item.content, item_base), item.content);
            }
        }
    }
    return urls;
}

TEST(FeedProperties, RssPublishesOnlyHttpUrls) {
    Generator gen(kSeed + 6);
    int published = 0;
    for (int i = 0; i < 150; ++i) {
        const int items = 1 + static_cast<int>(gen.below(4));
        const std::string base = gen.base();
        published += expect_feed_urls_are_web(random_rss(gen, items), base, items);
        if (HasFailure()) break;  // one document's worth of output is enough to read
    }
    EXPECT_GT(published, 1000);  // about half of what this seed gives
}

TEST(FeedProperties, AtomPublishesOnlyHttpUrls) {
    Generator gen(kSeed + 7);
    int published = 0;
    for (int i = 0; i < 150; ++i) {
        const int entries = 1 + static_cast<int>(gen.below(4));
        const std::string base = gen.base();
        published += expect_feed_urls_are_web(random_atom(gen, entries), base, entries);
        if (HasFailure()) break;
    }
    EXPECT_GT(published, 1200);  // about half of what this seed gives
}

TEST(FeedProperties, JsonFeedPublishesOnlyHttpUrls) {
    Generator gen(kSeed + 8);
    int published = 0;
    for (int i = 0; i < 150; ++i) {
        const int items = 1 + static_cast<int>(gen.below(4));
        const std::string base = gen.percent(20) ? std::string{} : gen.base();
        published += expect_feed_urls_are_web(random_json(gen, items), base, items);
        if (HasFailure()) break;
    }
    EXPECT_GT(published, 400);  // about half of what this seed gives
}

}  // namespace
}  // namespace tributary::parse

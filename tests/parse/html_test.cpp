#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <utility>

#include "parse/parse_feed.hpp"
#include "parse/reader.hpp"

namespace tributary::parse {
namespace {

constexpr std::string_view kBase = "https://news.example/articles/today.html";

TEST(SanitizeHtml, KeepsAllowedMarkup) {
    EXPECT_EQ(sanitize_html("<p>One <em>two</em> <strong>three</strong></p><ul><li>a</li></ul>", kBase),
              "<p>One <em>two</em> <strong>three</strong></p><ul><li>a</li></ul>");
}

TEST(SanitizeHtml, RemovesScriptWithItsContent) {
    EXPECT_EQ(sanitize_html("<p>a<script>alert(1)</script>b</p>", kBase), "<p>ab</p>");
}

TEST(SanitizeHtml, RemovesIframeStyleObjectFormWithTheirContent) {
    EXPECT_EQ(sanitize_html("<style>p{color:red}</style><iframe src=\"https://evil.example/\">x</iframe>"
                            "<object data=\"f.swf\">fallback</object><form><input name=\"q\">"
                            "<textarea>t</textarea></form><noscript>n</noscript><svg><text>s</text></svg>ok",
                            kBase),
              "ok");
}

TEST(SanitizeHtml, RemovesEventHandlersAndStyleAttributes) {
    EXPECT_EQ(sanitize_html("<p onclick=\"steal()\" style=\"color:red\" class=\"x\" id=\"y\" title=\"t\">a</p>", kBase),
              "<p title=\"t\">a</p>");
}

TEST(SanitizeHtml, RemovesJavascriptAndVbscriptAndDataUrls) {
    EXPECT_EQ(sanitize_html("<a href=\"javascript:alert(1)\">a</a><a href=\" JaVa\tScRiPt:alert(1)\">b</a>"
                            "<a href=\"vbscript:msgbox\">c</a><a href=\"data:text/html;base64,AAAA\">d</a>"
                            "<a href=\"java&#115;cript:x\">e</a>",
                            kBase),
              "<a>a</a><a>b</a><a>c</a><a>d</a><a>e</a>");
}

TEST(SanitizeHtml, SourcesAreHttpOnlyEvenDataImages) {
    EXPECT_EQ(sanitize_html("<img src=\"data:image/png;base64,iVBOR\" alt=\"x\">", kBase), "");
    EXPECT_EQ(sanitize_html("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", kBase), "");
    EXPECT_EQ(sanitize_html("<img src=\"javascript:x\" alt=\"gone\">", kBase), "");
    EXPECT_EQ(sanitize_html("<img src=\"mailto:a@b.example\">", kBase), "");  // mailto is for links only
    EXPECT_EQ(sanitize_html("<q cite=\"mailto:a@b.example\">q</q>", kBase), "<q>q</q>");
    EXPECT_EQ(sanitize_html("<img src=\"HTTPS://cdn.example/a.png\">", kBase),
              "<img src=\"https://cdn.example/a.png\"/>");
}

TEST(SanitizeHtml, IgnoresABaseThatIsNoWebPage) {
    // The daemon sanitizes with the item's link as base; a hostile link must not become the
    // scheme of the item's relative URLs, which are then dropped (they cannot be made absolute).
    for (const std::string_view base : {"javascript:alert(1)//", " JavaScript:alert(1)/", "data:text/html,x/",
                                        "vbscript:x/", "file:///etc/", "ftp://files.example/", "about:blank", ""}) {
        SCOPED_TRACE(base);
        EXPECT_EQ(sanitize_html("<a href=\"page.html\">a</a><img src=\"i.png\"><a href=\"//cdn.example/x\">c</a>"
                                "<a href=\"?q\">q</a><a href=\"#top\">t</a>",
                                base),
                  "<a>a</a><a>c</a><a>q</a><a>t</a>");
        // Absolute http(s) and mailto links do not need a base.
        EXPECT_EQ(sanitize_html("<a href=\"https://a.example/\">a</a><a href=\"mailto:x@a.example\">m</a>", base),
                  "<a href=\"https://a.example/\">a</a><a href=\"mailto:x@a.example\">m</a>");
    }
}

TEST(SanitizeHtml, ProtocolRelativeUrlsTakeTheBasesScheme) {
    EXPECT_EQ(sanitize_html("<a href=\"//cdn.example/x\">c</a>", "http://news.example/"),
              "<a href=\"http://cdn.example/x\">c</a>");
    EXPECT_EQ(sanitize_html("<a href=\"//cdn.example/x\">c</a>", kBase), "<a href=\"https://cdn.example/x\">c</a>");
}

TEST(SanitizeHtml, DisguisedSchemesAreRemoved) {
    // Each as a browser would read it: character references decoded, controls and spaces around
    // and tabs or newlines inside ignored.
    for (const std::string_view href :
         {"&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)", "javascript&colon;alert(1)", "java&#9;script:x",
          "java&NewLine;script:x", "\x01javascript:x", " \x0C javascript:x", "JAVASCRIPT:x", "jav\nascript:x",
          "vbscript:x", "data:text/html,<script>x</script>", "DaTa:text/html,x", "file:///etc/passwd",
          "blob:https://a.example/1", "about:blank", "ftp://a.example/x", "view-source:https://a.example/"}) {
        SCOPED_TRACE(href);
        EXPECT_EQ(sanitize_html("<a href=\"" + std::string(href) + "\">x</a>", kBase), "<a>x</a>");
    }
}

TEST(SanitizeHtml, ResolvesRelativeUrlsAgainstBase) {
    EXPECT_EQ(
        sanitize_html("<a href=\"../sport/1\">s</a><img src=\"/i.png\"><a href=\"mailto:a@b.example\">m</a>", kBase),
        "<a href=\"https://news.example/sport/1\">s</a><img src=\"https://news.example/i.png\"/>"
        "<a href=\"mailto:a@b.example\">m</a>");
}

TEST(SanitizeHtml, KeepsArabicTextAndDirectionByteForByte) {
    const std::string arabic = "في ظل تصاعد المخاطر المرتبطة بالإرهاب العابر للحدود، عاد الدور الاستخباراتي المغربي";
    EXPECT_EQ(sanitize_html("<p dir=\"rtl\" lang=\"ar\">" + arabic + "</p>", kBase),
              "<p dir=\"rtl\" lang=\"ar\">" + arabic + "</p>");
    EXPECT_EQ(sanitize_html(arabic, kBase), arabic);
}

TEST(SanitizeHtml, OutputIsWellFormed) {
    EXPECT_EQ(sanitize_html("<p>a<br>b<hr><b>c<i>d</b>e", kBase), "<p>a<br/>b</p><hr/><b>c<i>d</i></b><i>e</i>");
    EXPECT_EQ(sanitize_html("x &amp; y &lt; z &nbsp;<a title='\"q\"'>t</a>", kBase),
              "x &amp; y &lt; z \u00A0<a title=\"&quot;q&quot;\">t</a>");
}

TEST(SanitizeHtml, UnwrapsUnknownElementsKeepingText) {
    EXPECT_EQ(sanitize_html("<article><font color=red>kept</font><custom-tag>too</custom-tag></article>", kBase),
              "kepttoo");
}

TEST(SanitizeHtml, KeepsTablesAndFigures) {
    EXPECT_EQ(sanitize_html("<table><tr><td colspan=\"2\">x</td></tr></table><figure><figcaption>c</figcaption>"
                            "</figure>",
                            kBase),
              "<table><tbody><tr><td colspan=\"2\">x</td></tr></tbody></table><figure><figcaption>c</figcaption>"
              "</figure>");
}

TEST(SanitizeHtml, EmptyInputGivesEmptyOutput) { EXPECT_EQ(sanitize_html("", kBase), ""); }

TEST(SanitizeHtml, SurvivesDeepNesting) {
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "<div>";
    deep += "bottom";
    const std::string out = sanitize_html(deep, kBase);
    EXPECT_TRUE(out.starts_with("<div><div>"));
}

TEST(SanitizeHtml, UnclosedNestingIsCutAt180Levels) {
    std::string hostile;
    for (int i = 0; i < 50000; ++i) hostile += "<b><i>";
    hostile += "end";
    const std::string out = sanitize_html(hostile, kBase);
    std::size_t opened = 0;
    for (std::size_t at = out.find("<b>"); at != std::string::npos; at = out.find("<b>", at + 1)) ++opened;
    EXPECT_EQ(opened, 90u);
    EXPECT_TRUE(out.find("end") != std::string::npos);
}

TEST(HtmlToText, DecodesEntitiesAndCollapsesWhitespace) {
    EXPECT_EQ(html_to_text("  <p>Caf&eacute;\n\n &amp; <b>bar</b></p>&nbsp;<p>next</p>  "), "Café & bar next");
}

TEST(HtmlToText, DropsScriptText) { EXPECT_EQ(html_to_text("a<script>var x = 1;</script>b"), "ab"); }

TEST(HtmlToText, DoubleEscapedAmpersandBecomesOne) {
    EXPECT_EQ(html_to_text("المملكة &amp; انخفاض"), "المملكة & انخفاض");
}

TEST(HtmlToText, PlainTextOnlyCollapsesWhitespace) { EXPECT_EQ(html_to_text(" a \t b\n"), "a b"); }

// Text with '&' that starts no character reference skips the HTML parser; the results must be
// what the parser gives.
TEST(HtmlToText, AmpersandsThatStartNoReference) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"Q & A", "Q & A"},
        {"Tom &  Jerry &", "Tom & Jerry &"},
        {"AT&T", "AT&T"},
        {"a &amp b", "a & b"},  // a legacy reference without ';' is still one
        {"caf&eacute; & bar", "café & bar"},
        {"&#1575;&#1604; & x", "ال & x"},
        {"x &; y", "x &; y"},
    };
    for (const auto& [input, expected] : cases) EXPECT_EQ(html_to_text(input), expected) << input;
}

// Text with complete character references and no markup is decoded without the HTML parser; an
// empty <b></b> in front sends the same text through the parser, whose reading must not differ.
TEST(HtmlToText, ReferencesDecodedWithoutTheParserReadAsTheParserReadsThem) {
    const std::string_view pieces[] = {
        "&amp;",    "&amp;quot;", "&eacute;", "&nbsp;",
        "&lt;",     "&gt;",       "&#39;",    "&#x27;",
        "&#X41;",   "&#1575;",    "&#x0645;", "&#128;",
        "&#150;",   "&#0;",       "&#xD800;", "&#xFFFE;",
        "&#xFDD0;", "&#x110000;", "&#9;",     "&#10;",
        "&#13;",    "&#x7F;",     "&#;",      "&#x;",
        "&#xZ;",    "&amp",       "&copy",    "&notin;",
        "&notit;",  "&NewLine;",  "&Tab;",    "&CounterClockwiseContourIntegral;",
        "&fjlig;",  "&bogus;",    "&",        "& ",
        "AT&T",     " ",          "  ",       "\n",
        "المغرب",   "café",       "x",        "&#99999999999;",
        "&#-1;",    "&#+1;",      ";",        "#",
        "\xC2\xA0",
    };
    std::mt19937 random{11};
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const int count = 1 + static_cast<int>(random() % 6);
        for (int i = 0; i < count; ++i) text += pieces[random() % std::size(pieces)];
        EXPECT_EQ(html_to_text(text), html_to_text("<b></b>" + text)) << text;
    }
    EXPECT_EQ(html_to_text("caf&eacute; &#1575;&#x644; &amp;quot;x&amp;quot;"), "café ال &quot;x&quot;");
}

TEST(SanitizeHtml, AmpersandsThatStartNoReferenceAreEscaped) {
    EXPECT_EQ(sanitize_html("Q & A", kBase), "Q &amp; A");
    EXPECT_EQ(sanitize_html("AT&T & more", kBase), "AT&amp;T &amp; more");
    EXPECT_EQ(sanitize_html("a &amp b", kBase), "a &amp; b");
}

// Text that is collapsed already is copied as it is; anything else takes the slow path.
TEST(CollapseWhitespace, EachKindOfWhitespace) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"", ""},
        {"already collapsed", "already collapsed"},
        {"الدار البيضاء", "الدار البيضاء"},
        {" leading", "leading"},
        {"trailing ", "trailing"},
        {"two  spaces", "two spaces"},
        {"a\tb", "a b"},
        {"a\nb", "a b"},
        {"a\r\nb", "a b"},
        {"a\fb\vc", "a b c"},
        {"a\xC2\xA0"
         "b",
         "a b"},                  // U+00A0
        {"a \xC2\xA0 b", "a b"},  // mixed run
        {"\xC2\xA0"
         "edge\xC2\xA0",
         "edge"},                                                    // NBSP at both ends
        {"caf\xC3\xA9 \xC2\xA9 2026", "caf\xC3\xA9 \xC2\xA9 2026"},  // é and ©: 0xC2 that is not NBSP
        {"   ", ""},
        // Long enough for the sixteen-byte checks, with each kind at and across a block edge.
        {"0123456789abcdefghij klmnopqrstuvwxyz", "0123456789abcdefghij klmnopqrstuvwxyz"},
        {"0123456789abcde  fghijklmnopqrstuvwxyz", "0123456789abcde fghijklmnopqrstuvwxyz"},
        {"0123456789abcdef  ghijklmnopqrstuvwxyz", "0123456789abcdef ghijklmnopqrstuvwxyz"},
        {"0123456789abcdefghijklmnopqrstu\nvwxyz", "0123456789abcdefghijklmnopqrstu vwxyz"},
        {"0123456789abcdefghijklmnopqrs\vtuvwxyz", "0123456789abcdefghijklmnopqrs tuvwxyz"},
        {"0123456789abcdefghijklmno\xC2\xA0pqrstuvwxyz", "0123456789abcdefghijklmno pqrstuvwxyz"},
        {"0123456789abcdefghijklmno\x08pqrstuvwxyz", "0123456789abcdefghijklmno\x08pqrstuvwxyz"},  // not space
        {"0123456789abcdefghijklmnopqrstuvwxyz0123456789 ", "0123456789abcdefghijklmnopqrstuvwxyz0123456789"},
    };
    for (const auto& [input, expected] : cases) EXPECT_EQ(collapse_whitespace(input), expected) << input;
}

}  // namespace
}  // namespace tributary::parse

#include "parse/charset.hpp"

#include <gtest/gtest.h>
#include <unicode/ucnv.h>

#include <random>
#include <string>

#include "test_support.hpp"

namespace tributary::parse {
namespace {

using namespace std::string_literals;
using testing::has_warning_containing;
using testing::parse_ok;
using testing::read_fixture;

// "مرحبا" in windows-1256 and in ISO-8859-6 (the two code pages agree on these letters).
const std::string kMarhabaArabicBytes = "\xE3\xD1\xCD\xC8\xC7";
const std::string kMarhabaIso88596 = "\xE5\xD1\xCD\xC8\xC7";
const std::string kMarhabaUtf8 = "مرحبا";

std::string rss_with_title(const std::string& declaration, const std::string& title) {
    return declaration + "<rss version=\"2.0\"><channel><title>" + title + "</title></channel></rss>";
}

TEST(Charset, ReadsCharsetParameterOfContentType) {
    EXPECT_EQ(charset_from_content_type("application/rss+xml; charset=windows-1256"), "windows-1256");
    EXPECT_EQ(charset_from_content_type("text/xml;Charset=\"UTF-8\""), "UTF-8");
    EXPECT_EQ(charset_from_content_type("text/xml; q=1; charset='iso-8859-6' "), "iso-8859-6");
    EXPECT_EQ(charset_from_content_type("application/atom+xml"), "");
    EXPECT_EQ(charset_from_content_type(""), "");
}

TEST(Charset, ReadsEncodingOfXmlDeclaration) {
    EXPECT_EQ(encoding_from_xml_declaration("<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss/>"), "windows-1256");
    EXPECT_EQ(encoding_from_xml_declaration("  \n<?xml version='1.0' encoding = 'ISO-8859-6' ?>"), "ISO-8859-6");
    EXPECT_EQ(encoding_from_xml_declaration("<?xml version=\"1.0\"?><rss/>"), "");
    EXPECT_EQ(encoding_from_xml_declaration("<rss/>"), "");
}

TEST(Charset, HttpUtf8OverLegacyBytesYieldsToTheDeclaration) {
    const std::string body = rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaArabicBytes);
    const DecodedDocument decoded = decode_to_utf8(body, "application/rss+xml; charset=utf-8", "");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"utf-8", "windows-1256", "xml-declaration"}));
    EXPECT_EQ(decoded.utf8, rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaUtf8));
    ASSERT_FALSE(decoded.warnings.empty());
    EXPECT_EQ(decoded.warnings.back(),
              "HTTP says utf-8 but the bytes are not valid UTF-8; used the XML declaration's windows-1256");
}

TEST(Charset, HttpUtf8OverValidUtf8KeepsUtf8WhateverTheDeclarationSays) {
    const std::string body = rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaUtf8);
    const DecodedDocument decoded = decode_to_utf8(body, "application/rss+xml; charset=utf-8", "");
    EXPECT_EQ(decoded.encoding.used, "UTF-8");
    EXPECT_EQ(decoded.encoding.source, "http");
}

TEST(Charset, BomBeatsHttpCharsetAndDeclaration) {
    const std::string body =
        "\xEF\xBB\xBF" + rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaUtf8);
    const DecodedDocument decoded = decode_to_utf8(body, "text/xml; charset=windows-1256", "");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"windows-1256", "UTF-8", "bom"}));
    EXPECT_EQ(decoded.utf8, rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaUtf8));
}

TEST(Charset, Utf16LittleEndianBomIsDecoded) {
    const std::string utf8 = rss_with_title("", kMarhabaUtf8);
    std::string utf16 = "\xFF\xFE";
    // Only ASCII and U+0600..U+06FF here, so each code point is one UTF-16 unit.
    for (std::size_t i = 0; i < utf8.size();) {
        const auto b = static_cast<unsigned char>(utf8[i]);
        char16_t unit = b;
        if (b >= 0xC0) {
            unit = static_cast<char16_t>(((b & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F));
            i += 2;
        } else {
            ++i;
        }
        utf16 += static_cast<char>(unit & 0xFF);
        utf16 += static_cast<char>(unit >> 8);
    }
    const DecodedDocument decoded = decode_to_utf8(utf16, "", "");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"", "UTF-16LE", "bom"}));
    EXPECT_EQ(decoded.utf8, utf8);
}

TEST(Charset, Utf16WithoutBomIsRecognisedFromNulPattern) {
    const std::string ascii = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Hi</title></channel></rss>";
    std::string utf16be;
    for (const char c : ascii) {
        utf16be += '\0';
        utf16be += c;
    }
    const DecodedDocument decoded = decode_to_utf8(utf16be, "", "");
    EXPECT_EQ(decoded.encoding.used, "UTF-16BE");
    EXPECT_EQ(decoded.encoding.source, "xml-declaration");
    EXPECT_EQ(decoded.utf8, ascii);
}

TEST(Charset, HttpCharsetBeatsXmlDeclaration) {
    const std::string body = rss_with_title("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", kMarhabaArabicBytes);
    const DecodedDocument decoded = decode_to_utf8(body, "application/rss+xml; charset=windows-1256", "");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"windows-1256", "windows-1256", "http"}));
    EXPECT_EQ(decoded.utf8, rss_with_title("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", kMarhabaUtf8));
    ASSERT_EQ(decoded.warnings.size(), 1u);
    EXPECT_EQ(decoded.warnings[0], "HTTP charset windows-1256 overrides the XML declaration's ISO-8859-1");
}

TEST(Charset, XmlDeclarationUsedWithoutHttpCharset) {
    const std::string body = rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaArabicBytes);
    const DecodedDocument decoded = decode_to_utf8(body, "application/rss+xml", "");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"windows-1256", "windows-1256", "xml-declaration"}));
    EXPECT_NE(decoded.utf8.find("<title>" + kMarhabaUtf8 + "</title>"), std::string::npos);
}

TEST(Charset, OverrideFromConfigBeatsEverything) {
    const std::string body = rss_with_title("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", kMarhabaIso88596);
    const DecodedDocument decoded = decode_to_utf8(body, "text/xml; charset=utf-8", "ISO-8859-6");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"utf-8", "ISO-8859-6", "override"}));
    EXPECT_NE(decoded.utf8.find("<title>" + kMarhabaUtf8 + "</title>"), std::string::npos);
}

TEST(Charset, Iso88596IsDecoded) {
    const ParsedFeed feed =
        parse_ok(rss_with_title("<?xml version=\"1.0\" encoding=\"ISO-8859-6\"?>", kMarhabaIso88596 + " 2025"));
    EXPECT_EQ(feed.title, kMarhabaUtf8 + " 2025");
    EXPECT_EQ(feed.encoding.used, "ISO-8859-6");
}

TEST(Charset, Windows1252SmartQuotesAreDecoded) {
    const ParsedFeed feed = parse_ok(rss_with_title("",
                                                    "\x93"
                                                    "Caf\xE9"
                                                    "\x94"),
                                     {.content_type = "text/xml; charset=windows-1252"});
    EXPECT_EQ(feed.title, "\u201CCaf\u00E9\u201D");
}

// Each 0x93 becomes three bytes of UTF-8 (U+201C): the output outgrows the first guess of twice
// the input, and the conversion must go again with the size ICU asks for.
TEST(Charset, ConversionThatMoreThanDoublesTheSizeIsComplete) {
    const ParsedFeed feed =
        parse_ok(rss_with_title("", std::string(3000, '\x93')), {.content_type = "text/xml; charset=windows-1252"});
    std::string expected;
    for (int i = 0; i < 3000; ++i) expected += "\u201C";
    EXPECT_EQ(feed.title, expected);
}

TEST(Charset, Iso88591IsReadAsWindows1252LikeBrowsers) {
    const ParsedFeed feed = parse_ok(rss_with_title("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
                                                    "cr\xE8me br\xFBl\xE9"
                                                    "e \x93ok\x94"));
    EXPECT_EQ(feed.title, "crème brûlée “ok”");
    EXPECT_EQ(feed.encoding, (EncodingDecision{"iso-8859-1", "windows-1252", "xml-declaration"}));
}

TEST(Charset, HttpClaimOfUtf16ForSingleByteBodyIsIgnored) {
    const ParsedFeed feed = parse_ok(rss_with_title("<?xml version=\"1.0\" encoding=\"utf-8\"?>", kMarhabaUtf8),
                                     {.content_type = "application/xml; charset=utf-16"});
    EXPECT_EQ(feed.title, kMarhabaUtf8);
    EXPECT_EQ(feed.encoding.source, "xml-declaration");
    EXPECT_TRUE(has_warning_containing(feed, "HTTP charset utf-16 but the bytes are single-byte; ignored"));
}

TEST(Charset, UndeclaredWindows1256IsDetected) {
    std::string body = read_fixture("arabic/akhbar-maghreb-windows1256.rss");
    body.erase(0, body.find("<rss"));  // no XML declaration, and no HTTP charset below
    const ParsedFeed feed = parse_ok(body, {.content_type = "application/rss+xml"});
    EXPECT_EQ(feed.encoding, (EncodingDecision{"", "windows-1256", "detected"}));
    EXPECT_EQ(feed.title, "أخبار المغرب");
}

TEST(Charset, UndetectedHebrewIsReadAsWindows1255WithItsVowelPoints) {
    // ICU's detector names ISO-8859-8, which has no vowel points: they came out as U+FFFD.
    const ParsedFeed feed = parse_ok(read_fixture("parse/hebrew-windows1255.rss"));
    EXPECT_EQ(feed.encoding, (EncodingDecision{"", "windows-1255", "detected"}));
    EXPECT_EQ(feed.title, "חדשות");
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_TRUE(feed.items[0].title.starts_with("הַיּוֹם בַּבֹּקֶר נִפְתְּחָה")) << feed.items[0].title;
    EXPECT_EQ(feed.items[0].title.find("\uFFFD"), std::string::npos);
}

TEST(Charset, UndeclaredValidUtf8IsTheDefault) {
    const DecodedDocument decoded = decode_to_utf8(rss_with_title("", kMarhabaUtf8), "", "");
    EXPECT_EQ(decoded.encoding, (EncodingDecision{"", "UTF-8", "default"}));
    EXPECT_TRUE(decoded.warnings.empty());
}

TEST(Charset, UnconfidentDetectionFallsBackToUtf8WithReplacementCharacters) {
    // Five ISO-8859-6 bytes are too little for the detector to be sure of anything.
    const ParsedFeed feed = parse_ok(rss_with_title("", kMarhabaIso88596));
    EXPECT_EQ(feed.encoding, (EncodingDecision{"", "UTF-8", "default"}));
    EXPECT_EQ(feed.title, "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");
    EXPECT_TRUE(has_warning_containing(feed, "not valid UTF-8"));
}

TEST(Charset, InvalidUtf8IsRepairedWithReplacementCharacter) {
    const ParsedFeed feed = parse_ok(rss_with_title("<?xml version=\"1.0\" encoding=\"utf-8\"?>",
                                                    "a\xFF"
                                                    "b\xC3"));
    EXPECT_EQ(feed.title, "a\uFFFDb\uFFFD");
    EXPECT_EQ(feed.encoding.source, "xml-declaration");
    EXPECT_TRUE(has_warning_containing(feed, "not valid UTF-8"));
}

TEST(Charset, UnmappedByteBecomesReplacementCharacter) {
    // 0xA1 has no character in ISO-8859-6.
    const ParsedFeed feed = parse_ok(rss_with_title("", "x\xA1y"), {.content_type = "text/xml; charset=ISO-8859-6"});
    EXPECT_EQ(feed.title, "x\uFFFDy");
}

TEST(Charset, UnknownDeclaredEncodingFallsThroughToNextRule) {
    const std::string body = rss_with_title("<?xml version=\"1.0\" encoding=\"windows-1256\"?>", kMarhabaArabicBytes);
    const DecodedDocument decoded = decode_to_utf8(body, "text/xml; charset=x-no-such-charset", "");
    EXPECT_EQ(decoded.encoding.used, "windows-1256");
    EXPECT_EQ(decoded.encoding.source, "xml-declaration");
    EXPECT_NE(decoded.utf8.find(kMarhabaUtf8), std::string::npos);
    EXPECT_TRUE(std::find(decoded.warnings.begin(), decoded.warnings.end(),
                          "unknown encoding \"x-no-such-charset\" from http; ignored") != decoded.warnings.end());
}

TEST(Charset, Windows1256FixtureWithHttpCharset) {
    const ParsedFeed feed = parse_ok(read_fixture("arabic/akhbar-maghreb-windows1256.rss"),
                                     {.content_type = "application/rss+xml; charset=windows-1256"});
    EXPECT_EQ(feed.encoding, (EncodingDecision{"windows-1256", "windows-1256", "http"}));
    EXPECT_TRUE(feed.warnings.empty());
}

}  // namespace
}  // namespace tributary::parse

namespace tributary::parse {
namespace {

// The declaration lies: it says windows-1252, the bytes are UTF-8 (a CMS template's default).
TEST(Charset, Utf8BytesDeclaredAsWindows1252AreReadAsUtf8) {
    const std::string body =
        "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel>"
        "<title>مرحبا — café</title></channel></rss>";
    const Result<ParsedFeed> feed = parse_feed(body, {});
    ASSERT_TRUE(feed);
    EXPECT_EQ(feed->title, "مرحبا — café");
    EXPECT_EQ(feed->encoding, (EncodingDecision{"windows-1252", "UTF-8", "detected"}));
    bool warned = false;
    for (const std::string& warning : feed->warnings) warned |= warning.find("valid UTF-8") != std::string::npos;
    EXPECT_TRUE(warned);
}

// The header lies the same way (Apache's old AddDefaultCharset ISO-8859-1).
TEST(Charset, Utf8BytesUnderAnIso88591HeaderAreReadAsUtf8) {
    const Result<ParsedFeed> feed =
        parse_feed("<rss version=\"2.0\"><channel><title>Rabat — الرباط</title></channel></rss>",
                   {.content_type = "text/xml; charset=ISO-8859-1"});
    ASSERT_TRUE(feed);
    EXPECT_EQ(feed->title, "Rabat — الرباط");
    EXPECT_EQ(feed->encoding.used, "UTF-8");
}

// Whitespace and a stray line before the declaration: the declaration still counts.
TEST(Charset, DeclarationAfterLeadingJunkStillDecides) {
    const std::string body =
        "\n\n  garbage\n<?xml version=\"1.0\" encoding=\"windows-1256\"?>"
        "<rss version=\"2.0\"><channel><title>\xE3\xD1\xCD\xC8\xC7</title></channel></rss>";
    const Result<ParsedFeed> feed = parse_feed(body, {});
    ASSERT_TRUE(feed);
    EXPECT_EQ(feed->title, "مرحبا");
    EXPECT_EQ(feed->encoding.used, "windows-1256");
    bool warned = false;
    for (const std::string& warning : feed->warnings)
        warned |= warning.find("before the XML declaration") != std::string::npos;
    EXPECT_TRUE(warned);
}

// Single-byte code pages are converted through a table of each byte's UTF-8, built from ICU;
// the result must be ICU's own conversion of the whole text, byte for byte (with U+FFFD for
// the SUB that ICU gives unmapped bytes), for every byte in every position.
std::string icu_reference(const std::string& bytes, const char* charset) {
    std::string out(bytes.size() * 4 + 16, '\0');
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length = ucnv_convert("UTF-8", charset, out.data(), static_cast<int32_t>(out.size()), bytes.data(),
                                        static_cast<int32_t>(bytes.size()), &status);
    EXPECT_TRUE(U_SUCCESS(status)) << charset;
    out.resize(static_cast<std::size_t>(std::max(length, 0)));
    std::string replaced;
    for (const char c : out) replaced += c == '\x1A' ? std::string("\xEF\xBF\xBD") : std::string(1, c);
    return replaced;
}

TEST(Charset, SingleByteCodePagesConvertExactlyAsIcuDoes) {
    std::mt19937 random{7};
    std::string bytes;
    for (int i = 0; i < 20000; ++i) bytes += static_cast<char>(random() % 256);
    for (const char* charset : {"windows-1256", "ISO-8859-6", "windows-1252", "windows-1251", "ISO-8859-15", "KOI8-R",
                                "windows-874", "IBM037", "macintosh"}) {
        const DecodedDocument decoded = decode_to_utf8(bytes, "", charset);
        EXPECT_EQ(decoded.encoding.used, charset);
        EXPECT_EQ(decoded.utf8, icu_reference(bytes, charset)) << charset;
    }
}

// Three UTF-8 bytes for every input byte is more than the first pass makes room for.
TEST(Charset, SingleByteTextThatTriplesInSizeStillConvertsWhole) {
    const std::string euros(50000, '\x80');  // U+20AC in windows-1252
    std::string expected;
    for (int i = 0; i < 50000; ++i) expected += "€";
    const DecodedDocument decoded = decode_to_utf8(euros, "", "windows-1252");
    EXPECT_EQ(decoded.utf8, expected);
    EXPECT_EQ(decode_to_utf8("", "", "windows-1256").utf8, "");
}

}  // namespace
}  // namespace tributary::parse

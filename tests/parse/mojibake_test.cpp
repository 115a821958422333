// Double-encoded UTF-8 (issue 14, point 6): "FÃ³rmula" read back as "Fórmula" in a document that
// was otherwise decoded right, with a warning, and only where that is unambiguous. Text in
// Arabic, whether the document is UTF-8 or windows-1256, is never touched.

#include "parse/mojibake.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "parse/charset.hpp"
#include "parse/parse_feed.hpp"
#include "test_support.hpp"

namespace tributary::parse {
namespace {

using testing::has_warning_containing;
using testing::parse_ok;
using testing::read_fixture;

constexpr std::string_view kRepairWarning = "UTF-8 encoded twice";

std::string rss_title(std::string_view title,
                      std::string_view declaration = R"(<?xml version="1.0" encoding="utf-8"?>)") {
    return std::string(declaration) + "<rss version=\"2.0\"><channel><title>T</title><item><title>" +
           std::string(title) + "</title></item></channel></rss>";
}

TEST(Mojibake, DoubleEncodedUtf8IsReadBackWithAWarning) {
    const ParsedFeed feed = parse_ok(read_fixture("parse/mojibake-utf8.rss"));
    ASSERT_EQ(feed.items.size(), 2u);
    EXPECT_EQ(feed.items[0].title, "Fórmula 1: “gran premio” en São Paulo");
    EXPECT_EQ(feed.items[0].summary, "La carrera más rápida del año.");
    EXPECT_TRUE(has_warning_containing(feed, "read back 7 characters that were UTF-8 encoded twice"));
    // The item that was right stays as it was, and so does everything Arabic.
    EXPECT_EQ(feed.items[1].title, "Café con leña, Straß“ und Ærø");
    EXPECT_EQ(feed.items[1].summary, "السباق في الرباط غدًا");
}

TEST(Mojibake, OnlyUnambiguousSequencesAreReadBack) {
    struct Case {
        std::string_view text;
        std::optional<std::string_view> repaired;  // nullopt: left as it is
    };
    const Case cases[] = {
        {"FÃ³rmula", "Fórmula"},
        {"Itâ€™s", "It’s"},
        {"SÃ£o Paulo, Ã‰cole, Ã¼ber", "São Paulo, École, über"},
        {"ðŸ˜€ smile", "😀 smile"},
        {"Ø§Ù„Ø±Ø¨Ø§Ø·", "الرباط"},  // Arabic that was encoded twice is Arabic again
        // Right as they are: Latin-1 letters that are not the bytes of a character, a character
        // that would be read back into a script no such text is in (NKo), a lone lead.
        {"Café, naïve, Ærø", std::nullopt},
        {"Straß“", std::nullopt},
        {"Ã and Ã", std::nullopt},
        {"Á€", std::nullopt},        // C1 80: an overlong form
        {"à€€", std::nullopt},       // E0 80 80: overlong too
        {"í\u00A0€", std::nullopt},  // ED A0 80: a surrogate
        {"الرباط", std::nullopt},
        {"plain ASCII", std::nullopt},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.text));
        const std::optional<MojibakeRepair> repair = repair_double_encoded_utf8(c.text);
        if (!c.repaired) {
            EXPECT_FALSE(repair.has_value()) << repair->text;
        } else {
            ASSERT_TRUE(repair.has_value());
            EXPECT_EQ(repair->text, *c.repaired);
        }
    }
}

TEST(Mojibake, ArabicTextIsNeverAltered) {
    // Arabic beside Latin-1 letters and beside text that is read back: only the latter changes.
    const std::string title = "الرباط é «مرحبا» Ã© FÃ³rmula ١٢٣ تشرين الثاني";
    const ParsedFeed feed = parse_ok(rss_title(title));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "الرباط é «مرحبا» é Fórmula ١٢٣ تشرين الثاني");
    const std::string arabic_only = "الرباط «مرحبا» ١٢٣ تشرين الثاني، غدًا";
    const ParsedFeed untouched = parse_ok(rss_title(arabic_only));
    ASSERT_EQ(untouched.items.size(), 1u);
    EXPECT_EQ(untouched.items[0].title, arabic_only);
    EXPECT_FALSE(has_warning_containing(untouched, kRepairWarning));
}

TEST(Mojibake, TheArabicFixturesStayIntact) {
    // tests/fixtures/arabic holds the shared fixtures of ../shared/fixtures/arabic as they are.
    struct Fixture {
        const char* path;
        const char* content_type;
        const char* title;
    };
    for (const Fixture& fixture : {
             Fixture{"arabic/akhbar-maghreb-windows1256.rss", "application/rss+xml; charset=windows-1256",
                     "أخبار المغرب"},
             Fixture{"arabic/akhbar-maghreb-windows1256.rss", "application/rss+xml", "أخبار المغرب"},
             Fixture{"arabic/lequipe-news.rss", "application/rss+xml", nullptr},
             Fixture{"arabic/sahel-press.atom", "", nullptr},
         }) {
        SCOPED_TRACE(fixture.path);
        const std::string body = read_fixture(fixture.path);
        ASSERT_FALSE(body.empty());
        const ParsedFeed feed = parse_ok(body, {.content_type = fixture.content_type});
        EXPECT_FALSE(has_warning_containing(feed, kRepairWarning));
        EXPECT_FALSE(feed.items.empty());
        if (fixture.title != nullptr) {
            EXPECT_EQ(feed.title, fixture.title);
        }
        // Whatever the document's encoding, no character of its text would be read back.
        const DecodedDocument decoded = decode_to_utf8(body, fixture.content_type, "");
        EXPECT_FALSE(repair_double_encoded_utf8(decoded.utf8).has_value());
    }
}

TEST(Mojibake, ADocumentInALegacyEncodingIsNotRepaired) {
    // Bytes C3 B3 in a windows-1252 document are "Ã³", which is what the document says; the
    // 0xE9 makes the bytes no UTF-8, so the declaration stands.
    const ParsedFeed feed =
        parse_ok(rss_title("F\xC3\xB3rmula caf\xE9", R"(<?xml version="1.0" encoding="windows-1252"?>)"));
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.encoding.used, "windows-1252");
    EXPECT_EQ(feed.items[0].title, "FÃ³rmula café");
    EXPECT_FALSE(has_warning_containing(feed, kRepairWarning));
}

}  // namespace
}  // namespace tributary::parse

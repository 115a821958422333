#include "core/text.hpp"

#include <gtest/gtest.h>

namespace tributary {
namespace {

TEST(XmlSafeUtf8, KeepsArabicAndAllowedControls) {
    const std::string arabic = "أخبار المغرب\t\n\r";
    EXPECT_EQ(xml_safe_utf8(arabic), arabic);
}

TEST(XmlSafeUtf8, DropsForbiddenControlsAndNonCharacters) {
    EXPECT_EQ(xml_safe_utf8(std::string("a\x01"
                                        "b\x1F"
                                        "c\0d",
                                        7)),
              "abcd");
    EXPECT_EQ(xml_safe_utf8("x\xEF\xBF\xBEy\xEF\xBF\xBFz"), "xyz");  // U+FFFE, U+FFFF
}

TEST(XmlSafeUtf8, ReplacesIllFormedSequencesWithReplacementCharacter) {
    EXPECT_EQ(xml_safe_utf8("a\xC3"), "a\xEF\xBF\xBD");                                // truncated
    EXPECT_EQ(xml_safe_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
    EXPECT_EQ(xml_safe_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(xml_safe_utf8("\xE9t\xE9"), "\xEF\xBF\xBDt\xEF\xBF\xBD");                // Latin-1 bytes
}

TEST(IsValidUtf8, AcceptsWellFormedRejectsBroken) {
    EXPECT_TRUE(is_valid_utf8("سلام 😀"));
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));  // beyond U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(Fnv1a64, IsStableAcrossBuilds) {
    // Persisted in the database: these values must never change.
    EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(hex64(fnv1a64("a")), "af63dc4c8601ec8c");
}

TEST(Dates, FormatsRfc1123AndRfc3339InUtcEnglish) {
    const SysTime t{std::chrono::seconds{1'767'006'137}};  // 2025-12-29 11:02:17 UTC, a Monday
    EXPECT_EQ(format_rfc1123(t), "Mon, 29 Dec 2025 11:02:17 GMT");
    EXPECT_EQ(format_rfc3339(t), "2025-12-29T11:02:17Z");
    EXPECT_EQ(format_rfc1123(SysTime{}), "Thu, 01 Jan 1970 00:00:00 GMT");
}

// The inverse of format_rfc3339, for its shape only: anything else is refused.
TEST(Dates, ParsesBackWhatFormatRfc3339Writes) {
    for (const SysTime t : {SysTime{std::chrono::seconds{1'767'006'137}}, SysTime{std::chrono::seconds{0}},
                            SysTime{std::chrono::seconds{4'102'444'799}}})
        EXPECT_EQ(parse_rfc3339_utc(format_rfc3339(t)), t) << format_rfc3339(t);
    for (const char* other : {"2025-12-29T11:02:17+01:00", "2025-12-29 11:02:17Z", "2025-02-30T11:02:17Z",
                              "2025-12-29T24:00:00Z", "2025-12-29T11:02:17", "", "2025-12-29T11:02:17Zjunk"})
        EXPECT_FALSE(parse_rfc3339_utc(other).has_value()) << other;
}

TEST(Ascii, TrimLowerAndCompare) {
    EXPECT_TRUE(is_ascii("plain, text 123\t"));
    EXPECT_TRUE(is_ascii(""));
    EXPECT_FALSE(is_ascii("caf\u00e9"));
    EXPECT_EQ(trim("  \tx y\r\n"), "x y");
    EXPECT_EQ(to_lower_ascii("ÉTÉ Abc"), "ÉtÉ abc");  // only ASCII letters change
    EXPECT_TRUE(iequals_ascii("Content-Type", "content-type"));
    EXPECT_FALSE(iequals_ascii("abc", "abd"));
}

TEST(Printable, EscapesControlsAndBrokenBytesKeepsArabic) {
    EXPECT_EQ(printable("أخبار ok"), "أخبار ok");
    EXPECT_EQ(printable("a\nb\rc\x1b[2J"), "a\\x0ab\\x0dc\\x1b[2J");
    EXPECT_EQ(printable(std::string("x\0y", 3)), "x\\x00y");
    EXPECT_EQ(printable("\xC2\x85"), "\\xc2\\x85");  // NEL, a C1 control
    EXPECT_EQ(printable("\xE9t\xE9"), "\\xe9t\\xe9");
    EXPECT_EQ(printable("back\\slash"), "back\\\\slash");  // so an escape cannot be forged
    EXPECT_EQ(printable(std::string(100, 'a'), 10), std::string(10, 'a') + "\u2026");
}

TEST(SplitUserinfo, TakesTheCredentialOutOfTheUrl) {
    const UrlUserinfo full = split_userinfo("https://reader:p%40ss@news.example:8443/feed?a=b@c");
    EXPECT_TRUE(full.present);
    EXPECT_EQ(full.url, "https://news.example:8443/feed?a=b@c");
    EXPECT_EQ(full.username, "reader");
    EXPECT_EQ(full.password, "p@ss");
    const UrlUserinfo at_in_password = split_userinfo("http://u:a@b@host/x");
    EXPECT_EQ(at_in_password.url, "http://host/x");
    EXPECT_EQ(at_in_password.password, "a@b");
    const UrlUserinfo user_only = split_userinfo("http://token@host/");
    EXPECT_EQ(user_only.username, "token");
    EXPECT_EQ(user_only.password, "");
    const UrlUserinfo none = split_userinfo("http://host/path@x");
    EXPECT_FALSE(none.present);
    EXPECT_EQ(none.url, "http://host/path@x");
}

}  // namespace
}  // namespace tributary

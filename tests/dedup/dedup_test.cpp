#include "dedup/dedup.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/text.hpp"

namespace tributary::dedup {
namespace {

// The lead paragraph of the wire story in tests/fixtures/arabic/, as the three sites publish it.
constexpr std::string_view kLead =
    "في ظل تصاعد المخاطر المرتبطة بالإرهاب العابر للحدود، عاد الدور الاستخباراتي المغربي ليتصدر الاهتمام داخل "
    "الأوساط الأمنية الأوروبية، بعد أن كشفت إذاعة Cadena SER الإسبانية عن مساهمة حاسمة لأجهزة الأمن المغربية في "
    "النتائج غير المسبوقة التي سجلتها إسبانيا في مجال مكافحة الإرهاب خلال سنة 2025.";

ParsedItem item(std::string title, std::string summary, std::string link = {}, std::string id = {}) {
    ParsedItem i;
    i.title = std::move(title);
    i.summary = std::move(summary);
    i.link = std::move(link);
    i.id = std::move(id);
    return i;
}

TEST(CanonicalUrl, RemovesTrackingFragmentAndDefaultPort) {
    EXPECT_EQ(canonical_url("https://Akhbar-Maghreb.example:443/article/99871?utm_source=rss&utm_medium=feed#top"),
              "https://akhbar-maghreb.example/article/99871");
    EXPECT_EQ(canonical_url("http://Example.org:80?id=5&fbclid=abc&page=2"), "http://example.org/?id=5&page=2");
    EXPECT_EQ(canonical_url("http://example.org:8080/a/B"), "http://example.org:8080/a/B");
    EXPECT_EQ(canonical_url("mailto:x@example.org"), "");
    EXPECT_EQ(canonical_url("/relative/path"), "");
}

TEST(NormalizeText, UnifiesArabicVariants) {
    // tashkeel (shadda) and tatweel vanish; hamza forms of alef become bare alef.
    EXPECT_EQ(normalize_text("المغربيّة حاسـم"), normalize_text("المغربية حاسم"));
    EXPECT_EQ(normalize_text("لإسبانيا أمن"), normalize_text("لاسبانيا امن"));
    EXPECT_EQ(normalize_text("فى"), normalize_text("في"));            // alef maqsura → yeh
    EXPECT_EQ(normalize_text("المملكة"), normalize_text("المملكه"));  // teh marbuta → heh
    EXPECT_EQ(normalize_text("سنة ٢٠٢٥"), "سنه 2025");                // Arabic-Indic digits
}

TEST(NormalizeText, FoldsLatinCaseAccentsAndPunctuation) {
    EXPECT_EQ(normalize_text("  Élection: le Maroc, l'Espagne… ÉTÉ!  "), "election le maroc l espagne ete");
}

// An ASCII text takes a path of its own, without ICU: it must give what ICU's path gives, which a
// single non-ASCII letter at the end forces.
TEST(NormalizeText, AsciiTextsGiveWhatTheUnicodePathGives) {
    const std::vector<std::string> texts = {"Plain words",
                                            "  MiXeD case, punctuation!? and\ttabs\n",
                                            "x",
                                            "6.1 magnitude -- 14h30 (GMT+1)",
                                            "a_b-c/d'e\"f",
                                            "\x01control\x7f bytes",
                                            "",
                                            "...",
                                            "UPPER CASE 2025"};
    for (const std::string& text : texts) {
        const std::string ascii = normalize_text(text);
        const std::string unicode = normalize_text(text + " \u00C9");  // É: ICU's path, then "e"
        EXPECT_EQ(unicode, ascii.empty() ? "e" : ascii + " e") << text;
    }
}

TEST(TextOfHtml, DropsTagsAndDecodesEntities) {
    EXPECT_EQ(normalize_text(text_of_html("<p>a&amp;b</p><p>c&lt;d&#x27;e</p>")), "a b c d e");
}

// Byte for byte: a tag becomes one space, a known entity its character, a numeric one a space;
// anything else stays as written, and a tag never closed ends the text.
TEST(TextOfHtml, KeepsTheTextAroundTagsAndEntitiesAsWritten) {
    EXPECT_EQ(text_of_html("<b>bold</b>text"), " bold text");
    EXPECT_EQ(text_of_html("plain, no markup"), "plain, no markup");
    EXPECT_EQ(text_of_html("&amp;&lt;&#65;&unknown;&nbsp;x"), "&< &unknown; x");
    EXPECT_EQ(text_of_html("x &y z & w"), "x &y z & w");
    EXPECT_EQ(text_of_html("&averyveryverylongname;"), "&averyveryverylongname;");
    EXPECT_EQ(text_of_html("\u0627\u0644\u062e\u0628\u0631 <br/>\u062c\u062f\u064a\u062f &quot;"),
              "\u0627\u0644\u062e\u0628\u0631  \u062c\u062f\u064a\u062f \"");
    EXPECT_EQ(text_of_html("a < b"), "a ");
    EXPECT_EQ(text_of_html("ends with &"), "ends with &");
    EXPECT_EQ(text_of_html(""), "");
}

// Only the lead's first words make the fingerprint, however long the article: the same lead
// under a long or a short body gives the same fingerprint, and so does a lead behind a run of
// tokens that normalize to nothing (punctuation), in Arabic as in French.
TEST(StoryFingerprint, OnlyTheLeadCountsHoweverLongTheArticle) {
    const std::vector<std::string> leads = {
        "Un séisme de magnitude 5,2 a secoué dimanche la région d'Al Hoceima, à une profondeur de 15 km, selon "
        "l'Institut national de géophysique, qui a précisé que la secousse a été ressentie jusqu'à Nador et "
        "Driouch sans faire de victimes ni de dégâts matériels importants",
        "أعلنت المديرية العامة للأمن الوطني، اليوم الأحد، عن توقيف شخص يشتبه في تورطه في قضية تتعلق بالنصب "
        "والاحتيال عبر الإنترنت، وذلك بمدينة طنجة بعد عملية تتبع دقيقة قامت بها عناصر الشرطة القضائية "
        "بتنسيق مع مصالح المديرية العامة لمراقبة التراب الوطني"};
    for (const std::string& lead : leads) {
        std::string body;
        for (int k = 0; k < 300; ++k) body += " paragraphe suivant numéro " + std::to_string(k) + ".";
        std::string punctuation;
        for (int k = 0; k < 400; ++k) punctuation += "— ";
        ParsedItem short_one, long_one, behind_punctuation;
        short_one.summary = lead;
        long_one.summary = lead + body;
        behind_punctuation.summary = punctuation + lead + body;
        const std::uint64_t expected = story_fingerprint(short_one);
        EXPECT_NE(expected, 0u);
        EXPECT_EQ(story_fingerprint(long_one), expected);
        EXPECT_EQ(story_fingerprint(behind_punctuation), expected);
    }
}

// Fingerprints are stored (items, stories, story features) and compared with those of items
// ingested later: the function must give the same bits from one release to the next. Values
// computed by the implementation of schema 6; a lead of two words hashes its words, not trigrams.
TEST(StoryFingerprint, GivesTheBitsStoredByEarlierReleases) {
    ParsedItem french, arabic, two_words;
    french.summary =
        "Un séisme de magnitude 5,2 a secoué dimanche la région d'Al Hoceima, à une profondeur de 15 km, "
        "selon l'Institut national de géophysique";
    arabic.summary =
        "أعلنت المديرية العامة للأمن الوطني، اليوم الأحد، عن توقيف شخص يشتبه في تورطه في قضية تتعلق "
        "بالنصب والاحتيال عبر الإنترنت، وذلك بمدينة طنجة";
    two_words.title = "Breaking";
    two_words.summary = "news";
    EXPECT_EQ(story_fingerprint(french), 0x49ce01310075194bu);
    EXPECT_EQ(story_fingerprint(arabic), 0x8aaeab56e35a542eu);
    EXPECT_EQ(story_fingerprint(two_words), 0x310410ec6c81884au);

    // Headlines long enough for hundreds of trigrams (a lead too short to hash alone), which
    // count past 255 for a bit: simhash() counts eight bits to a word, a byte each, and must carry
    // them over. A slogan repeated gives three trigrams, each 300 times.
    ParsedItem long_title, slogan;
    for (int i = 0; i < 700; ++i) long_title.title += "mot" + std::to_string(i * 7919 % 1000) + " ";
    long_title.summary = "trop court";
    for (int i = 0; i < 300; ++i) slogan.title += "vive le roi ";
    slogan.summary = "trop court";
    EXPECT_EQ(story_fingerprint(long_title), 0xe58c15ca1c37f1d5u);
    EXPECT_EQ(story_fingerprint(slogan), 0xa5657a6965ddc34cu);
}

// The lead is normalised token by token through a per-thread memo, not as one text: on every
// summary of our Arabic and French pairs, and on texts whose marks, ligatures, odd spaces and
// broken bytes sit at token edges, it gives the fingerprint of the text normalised whole.
TEST(StoryFingerprint, TokenByTokenIsTheWholeTextNormalised) {
    std::ifstream in(std::string(TRIBUTARY_FIXTURES_DIR) + "/dedup/ar-fr-pairs.json", std::ios::binary);
    const auto pairs = nlohmann::json::parse(in)["pairs"];
    std::vector<std::string> leads;
    for (const auto& pair : pairs)
        for (const char* side : {"a", "b"}) leads.push_back(pair[side]["summary"].get<std::string>());
    ASSERT_GT(leads.size(), 100u);
    const std::string words = " one two three four five six seven eight nine ten eleven twelve";
    for (const std::string odd : {"\u0651\u0628\u0640\u0640\u064E ", "\uFDFA ", "a\u00A0b ", "\xD8 \x80",
                                  "\t\r\n-- ,. ", "e\u0301 \u0301e ", "\uFB01n ", "1\u0661\u06F2 "})
        leads.push_back(odd + words + " " + odd + words + words + words);
    for (const std::string& lead : leads) {
        ParsedItem whole, tokens;
        whole.summary = normalize_text(lead);  // normalised already: its tokens normalise to themselves
        tokens.summary = lead;
        EXPECT_EQ(story_fingerprint(tokens, lead), story_fingerprint(whole, whole.summary)) << lead;
    }
}

TEST(StoryFingerprint, RepublishedLeadsAreNearAndOtherStoriesFar) {
    const auto akhbar =
        story_fingerprint(item("إسبانيا تشيد بالتعاون الأمني مع المغرب", "مدريد - " + std::string(kLead)));
    const auto lequipe = story_fingerprint(item("الاستخبارات المغربية تساهم بشكل حاسم", std::string(kLead)));
    const auto sahel = story_fingerprint(item("الاستخبارات المغربيّة تساهم", "<p>" + std::string(kLead) + "</p>"));
    const auto tourism = story_fingerprint(item("ارتفاع ملحوظ في عدد السياح الوافدين على مراكش خلال عطلة نهاية السنة",
                                                "سجلت المدينة الحمراء إقبالاً كبيراً من السياح المغاربة والأجانب مع "
                                                "اقتراب نهاية السنة، وفق معطيات مهنيي القطاع."));
    EXPECT_EQ(lequipe, sahel);
    EXPECT_LE(std::popcount(akhbar ^ lequipe), kMaxStoryDistance);
    EXPECT_GT(std::popcount(tourism ^ lequipe), kMaxStoryDistance);
}

TEST(ComputeKeys, PrefersGuidThenLinkThenHash) {
    const std::vector<ParsedItem> items{
        item("a", "", "https://x.example/1?utm_source=rss", "guid-1"),
        item("b", "", "https://x.example/2?utm_source=rss"),
        item("c", "body"),
    };
    const auto keys = compute_keys(items);
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0].item_key, "g:guid-1");
    EXPECT_EQ(keys[0].canonical_url, "https://x.example/1");
    EXPECT_EQ(keys[1].item_key, "l:https://x.example/2");
    EXPECT_TRUE(keys[2].item_key.starts_with("h:"));
    EXPECT_EQ(keys[2].item_key.size(), 2u + 16u);
}

TEST(ComputeKeys, RepeatedGuidInOneDocumentStaysDistinct) {
    const std::vector<ParsedItem> items{
        item("a", "", "https://x.example/1", "same"),
        item("b", "", "https://x.example/2", "same"),
        item("c", "", "https://x.example/2", "same"),
    };
    const auto keys = compute_keys(items);
    EXPECT_EQ(keys[0].item_key, "g:same");
    EXPECT_EQ(keys[1].item_key, "g:same|l:https://x.example/2");
    EXPECT_EQ(keys[2].item_key, "g:same|#2");
}

TEST(ComputeKeys, ContentHashChangesWithVisibleContentOnly) {
    ParsedItem a = item("title", "<p>x</p>", "https://x.example/1", "g");
    ParsedItem b = a;
    const std::vector<ParsedItem> same{a, b};
    const auto k1 = compute_keys(same);
    EXPECT_EQ(k1[0].content_hash, k1[1].content_hash);
    b.title = "title (updated)";
    const std::vector<ParsedItem> changed{a, b};
    const auto k2 = compute_keys(changed);
    EXPECT_NE(k2[0].content_hash, k2[1].content_hash);
}

// Every stored item carries its content hash, and a poll compares the new one with it: the
// value must never change for the same item, or an upgrade would report every item as edited.
// It is FNV-1a over the fields joined by U+001F, with the dates' seconds ("-": none).
TEST(ComputeKeys, ContentHashIsTheStoredDefinition) {
    ParsedItem a = item("عنوان الخبر", "<p>ملخص</p>", "https://x.example/1", "g");
    a.author = "Rédaction";
    a.content = std::string(5000, 'c');
    a.comments = "https://x.example/1#comments";
    a.categories = {"Maroc", "سياسة"};
    a.enclosures = {Enclosure{.url = "https://x.example/1.mp3", .type = "audio/mpeg", .length = 12}};
    a.published = SysTime{std::chrono::seconds{1764000000}};
    const std::string joined = std::string("عنوان الخبر\x1fhttps://x.example/1\x1fRédaction\x1f<p>ملخص</p>\x1f") +
                               std::string(5000, 'c') +
                               "\x1fhttps://x.example/1#comments\x1fMaroc\x1fسياسة\x1fhttps://x.example/1.mp3\x1f"
                               "1764000000\x1f-";
    const std::vector<ParsedItem> items{a};
    EXPECT_EQ(compute_keys(items)[0].content_hash, hex64(fnv1a64(joined)));
    EXPECT_EQ(compute_keys(items)[0].content_hash, "139b7d948cac6b30") << "a hash stored by earlier versions";
}

TEST(MatchStory, SameCanonicalUrlOrNearFingerprint) {
    ItemKeys keys;
    keys.canonical_url = "https://x.example/1";
    keys.fingerprint = 0xF0F0F0F0F0F0F0F0ULL;
    const std::vector<StoryCandidate> recent{
        {1, "https://other.example/", 0x0F0F0F0F0F0F0F0FULL, std::nullopt},  // 64 bits away
        {2, "https://y.example/", 0xF0F0F0F0F0F0F0F3ULL, std::nullopt},      // 2 bits away
        {3, "https://z.example/", 0xF0F0F0F0F0F0F0F1ULL, std::nullopt},      // 1 bit away: nearest
    };
    EXPECT_EQ(match_story(keys, ParsedItem{}, recent), 3);
    const std::vector<StoryCandidate> by_url{{7, "https://x.example/1", 0, std::nullopt}};
    EXPECT_EQ(match_story(keys, ParsedItem{}, by_url), 7);
    const std::vector<StoryCandidate> far{{1, "", 0x0F0F0F0F0F0F0F0FULL, std::nullopt}};
    EXPECT_EQ(match_story(keys, ParsedItem{}, far), std::nullopt);
}

}  // namespace
}  // namespace tributary::dedup

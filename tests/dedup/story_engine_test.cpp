#include "dedup/story_engine.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "dedup/dedup.hpp"

namespace tributary::dedup {
namespace {

using namespace std::chrono_literals;

const SysTime kT0{std::chrono::sys_days{std::chrono::year{2025} / 12 / 29}};
constexpr Seconds kWindow = 48h;

StoryFeatures features(std::string title, std::string summary, std::string link = {}) {
    ParsedItem i;
    i.title = std::move(title);
    i.summary = std::move(summary);
    i.link = std::move(link);
    return extract_features(i);
}

// One wire story as two sites rewrote it, and another event of the same kind.
const StoryFeatures kQuakeA =
    features("Un séisme de magnitude 5,2 secoue la région d'Al Hoceima",
             "Un tremblement de terre de magnitude 5,2 a été enregistré dimanche au large d'Al Hoceima, à une "
             "profondeur de 15 km, a annoncé l'Institut national de géophysique. La secousse a été ressentie à Nador.");
const StoryFeatures kQuakeB =
    features("Al Hoceima : une secousse de 5,2 réveille les habitants",
             "Les habitants d'Al Hoceima ont été réveillés dimanche par une secousse de magnitude 5,2, dont "
             "l'épicentre a été localisé en mer, à 15 km de profondeur, selon l'Institut national de géophysique.");
const StoryFeatures kOtherQuake =
    features("Séisme de magnitude 4,1 dans la province de Taza",
             "Une secousse tellurique de magnitude 4,1 a été enregistrée dimanche dans la province de Taza, à une "
             "profondeur de 8 km, selon l'Institut national de géophysique. Elle n'a fait aucune victime.");
const StoryFeatures kTourism =
    features("Hausse des arrivées touristiques à Marrakech",
             "La ville ocre a accueilli un nombre record de visiteurs pendant les vacances de fin d'année, selon "
             "les professionnels du secteur hôtelier.");

// Reasons are stored with each item and compared by people across releases: numbers keep the
// form printf's "%.2f" gives them, halves and negative scores (conflicts) included.
TEST(MatchExplanation, WritesNumbersAsPrintfDid) {
    for (const double v : {0.0, 0.005, 0.125, 0.135, 0.555, 0.9949, 0.995, 1.0, -0.35, -0.004, 2.675, 1234.5678}) {
        MatchExplanation why;
        why.text_cosine = v;
        std::array<char, 32> printed{};
        std::snprintf(printed.data(), printed.size(), "%.2f", v);
        const std::string line = why.to_string(v);
        const std::string expected = std::string("score=") + printed.data() + " text=" + printed.data() + " ";
        EXPECT_EQ(line.substr(0, expected.size()), expected) << v;
    }
}

TEST(StoryEngine, RecognisesARewriteAndNotAnotherEventOfTheSameKind) {
    StoryEngine engine;
    engine.add(1, kQuakeA, kT0);
    engine.add(2, kTourism, kT0);
    const auto m = engine.match(kQuakeB, kT0 + 40min, kWindow);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->story_id, 1);
    EXPECT_GE(m->score, engine.weights().threshold);
    const std::string line = m->to_string();
    EXPECT_NE(line.find("story=1 "), std::string::npos) << line;
    EXPECT_NE(line.find("mag:5.2"), std::string::npos) << line;
    EXPECT_NE(line.find("gap=40m"), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);

    EXPECT_FALSE(engine.match(kOtherQuake, kT0 + 40min, kWindow).has_value());
    const auto why = engine.score_against(kOtherQuake, kT0 + 40min, 1);
    ASSERT_TRUE(why.has_value());
    EXPECT_LT(why->score, engine.weights().threshold);
    EXPECT_NE(why->to_string().find("mag:4.1|5.2"), std::string::npos) << why->to_string();
    EXPECT_FALSE(engine.score_against(kOtherQuake, kT0, 99).has_value());
}

// Two sites write one budget two ways ("10 000 dirhams", "10.000 DH"; "1,5 MDH", "1,5 million
// de dirhams"): the amounts agree. The same council's budget of another year conflicts on them.
TEST(StoryEngine, AnAmountWrittenTwoWaysAgreesWithItself) {
    const StoryFeatures a =
        features("Tanger : le conseil communal adopte un budget de 1,5 MDH pour les marchés",
                 "Le conseil communal de Tanger a adopté mardi une enveloppe de 1,5 MDH destinée à la réhabilitation "
                 "des marchés de proximité, dont 10 000 dirhams pour chaque commerçant touché par les travaux.");
    const StoryFeatures b =
        features("Marchés de proximité à Tanger : 1,5 million de dirhams votés par la commune",
                 "Réunie mardi, la commune de Tanger a voté 1,5 million de dirhams pour réhabiliter ses marchés de "
                 "proximité. Chaque commerçant touché par les travaux recevra 10.000 DH, précise le conseil.");
    const StoryFeatures other_year =
        features("Tanger : le conseil communal adopte un budget de 2,4 MDH pour les marchés",
                 "Le conseil communal de Tanger a adopté mardi une enveloppe de 2,4 MDH destinée à la réhabilitation "
                 "des marchés de proximité, dont 25 000 dirhams pour chaque commerçant touché par les travaux.");
    StoryEngine engine;
    engine.add(1, a, kT0);
    engine.add(2, kTourism, kT0);
    const auto m = engine.match(b, kT0 + 40min, kWindow);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->story_id, 1);
    const std::string line = m->to_string();
    EXPECT_EQ(a.quantities, b.quantities);  // both amounts, read alike
    EXPECT_NE(line.find("same=[mad:"), std::string::npos) << line;
    EXPECT_EQ(line.find("conflicts="), std::string::npos) << line;

    const auto why = engine.score_against(other_year, kT0 + 40min, 1);
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->to_string().find("conflicts=[mad:"), std::string::npos) << why->to_string();
}

TEST(StoryEngine, WorksWithOnlyOneStoryHeld) {
    StoryEngine engine;
    engine.add(1, kQuakeA, kT0);
    const auto m = engine.match(kQuakeB, kT0 + 1h, kWindow);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->story_id, 1);
}

TEST(StoryEngine, OnlyMatchesWithinTheWindow) {
    StoryEngine engine;
    engine.add(1, kQuakeA, kT0);
    EXPECT_TRUE(engine.match(kQuakeB, kT0 + 47h, kWindow).has_value());
    EXPECT_TRUE(engine.match(kQuakeB, kT0 - 47h, kWindow).has_value());
    EXPECT_FALSE(engine.match(kQuakeB, kT0 + 49h, kWindow).has_value());
    EXPECT_FALSE(engine.match(kQuakeB, kT0 + 2h, 1h).has_value());
}

TEST(StoryEngine, UpdateReplacesTheStoryText) {
    StoryEngine engine;
    engine.add(1, kTourism, kT0);
    EXPECT_FALSE(engine.match(kQuakeB, kT0, kWindow).has_value());
    engine.update(1, kQuakeA, kT0);
    EXPECT_EQ(engine.size(), 1u);
    const auto m = engine.match(kQuakeB, kT0, kWindow);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->story_id, 1);
    engine.update(1, kTourism, kT0);
    EXPECT_FALSE(engine.match(kQuakeB, kT0, kWindow).has_value());
}

// Expiry entries outlive the stories they were made for: a story replaced or removed, its slot
// taken by another. Each story still leaves once, when its own time comes.
TEST(StoryEngine, ExpiryFollowsReplacedAndReusedStories) {
    StoryEngine engine;
    engine.add(1, kQuakeA, kT0);
    engine.add(1, kQuakeA, kT0 + 5h);  // replaced: kept since later
    EXPECT_EQ(engine.expire(kT0 + 1h), 0u);
    EXPECT_EQ(engine.size(), 1u);
    EXPECT_EQ(engine.expire(kT0 + 6h), 1u);
    EXPECT_EQ(engine.size(), 0u);

    engine.add(2, kOtherQuake, kT0);
    engine.remove(2);
    engine.add(3, kTourism, kT0 + 5h);  // takes story 2's slot
    EXPECT_EQ(engine.expire(kT0 + 1h), 0u);
    EXPECT_EQ(engine.size(), 1u);

    engine.add(4, kOtherQuake, kT0 + 5h);
    engine.remove(4);
    engine.add(5, kQuakeA, kT0 + 5h);  // takes story 4's slot, kept since the same second
    EXPECT_EQ(engine.expire(kT0 + 6h), 2u) << "stories 3 and 5, once each";
    EXPECT_EQ(engine.size(), 0u);
    EXPECT_EQ(engine.terms(), 0u);

    // Times outside what 32 bits of seconds since 1970 hold count as their bounds.
    engine.add(6, kQuakeA, SysTime{} - std::chrono::hours{24 * 365});
    EXPECT_EQ(engine.expire(kT0), 1u);
}

TEST(StoryEngine, RemoveAndExpireForgetStoriesAndTheirTerms) {
    StoryEngine engine;
    engine.add(1, kQuakeA, kT0);
    engine.add(2, kOtherQuake, kT0 + 1h);
    engine.add(3, kTourism, kT0 + 2h);
    engine.remove(1);
    engine.remove(42);  // unknown: nothing happens
    EXPECT_EQ(engine.size(), 2u);
    EXPECT_FALSE(engine.match(kQuakeB, kT0, kWindow).has_value());

    EXPECT_EQ(engine.expire(kT0 + 1h), 0u);  // strictly before
    EXPECT_EQ(engine.expire(kT0 + 90min), 1u);
    EXPECT_EQ(engine.size(), 1u);
    EXPECT_EQ(engine.expire(kT0 + 3h), 1u);
    EXPECT_EQ(engine.size(), 0u);
    EXPECT_EQ(engine.terms(), 0u);  // nothing outlives the window

    engine.add(1, kQuakeA, kT0);  // and the engine is as new
    EXPECT_EQ(engine.match(kQuakeB, kT0, kWindow)->story_id, 1);
}

// Terms' texts share one buffer, rewritten without the texts of terms freed once those are half
// of it: after most stories left (and their words with them), the others are still found by their
// own words, and those of new stories too.
TEST(StoryEngine, TermsOfStoriesLeftBehindAreFoundAfterTheTextBufferIsCompacted) {
    // Words are runs of letters: each story's own words end with its number written in letters.
    const auto letters = [](int i) {
        std::string out;
        for (int rest = i + 1; rest > 0; rest /= 26) out.push_back(static_cast<char>('a' + rest % 26));
        return out;
    };
    const auto story = [&](int i) {
        const std::string n = letters(i);
        return features("Mayor Zorvak" + n + " opens the Quellit" + n + " bridge in Brinmor" + n,
                        "The mayor Zorvak" + n + " opened the new Quellit" + n + " bridge over the river at Brinmor" +
                            n + " on Monday, before a crowd of residents and officials.");
    };
    StoryEngine engine;
    constexpr int kStories = 600;
    for (int i = 0; i < kStories; ++i) engine.add(i + 1, story(i), kT0 + std::chrono::minutes{i});
    const std::size_t terms_held = engine.terms();
    for (int i = 0; i < kStories; ++i)
        if (i % 10 != 0) engine.remove(i + 1);
    EXPECT_LT(engine.terms(), terms_held / 5);
    // The same stories in an engine that never freed a term explain each match word for word alike.
    StoryEngine fresh;
    for (int i = 0; i < kStories; i += 10) fresh.add(i + 1, story(i), kT0 + std::chrono::minutes{i});
    for (int i = 0; i < kStories; i += 10) {
        const auto m = engine.match(story(i), kT0 + std::chrono::minutes{i}, kWindow);
        ASSERT_TRUE(m.has_value()) << i;
        EXPECT_EQ(m->story_id, i + 1);
        EXPECT_EQ(m->to_string(), fresh.match(story(i), kT0 + std::chrono::minutes{i}, kWindow)->to_string());
        EXPECT_NE(m->to_string().find("zorvak"), std::string::npos) << m->to_string();
    }
    engine.add(9999, story(12345), kT0);
    EXPECT_EQ(engine.match(story(12345), kT0, kWindow)->story_id, 9999);
}

TEST(StoryEngine, TiesGoToTheEarliestStoryThenTheSmallestId) {
    // The same text an hour before and an hour after the item: equal scores.
    StoryEngine engine;
    engine.add(7, kQuakeA, kT0 + 2h);
    engine.add(9, kQuakeA, kT0);
    engine.add(8, kQuakeA, kT0);
    for (int round = 0; round < 3; ++round) EXPECT_EQ(engine.match(kQuakeB, kT0 + 1h, kWindow)->story_id, 8);
    engine.remove(8);
    EXPECT_EQ(engine.match(kQuakeB, kT0 + 1h, kWindow)->story_id, 9);
    engine.remove(9);
    EXPECT_EQ(engine.match(kQuakeB, kT0 + 1h, kWindow)->story_id, 7);
    // Nearer in time scores higher: no tie.
    engine.add(3, kQuakeA, kT0 + 30min);
    EXPECT_EQ(engine.match(kQuakeB, kT0 + 1h, kWindow)->story_id, 3);
}

TEST(StoryEngine, SameCanonicalUrlMatchesWhateverTheText) {
    StoryEngine engine;
    engine.add(1, features("Titre", "Un texte", "https://site.example/a?utm_source=rss"), kT0);
    const auto m =
        engine.match(features("Autre titre", "Tout autre chose", "https://SITE.example/a#top"), kT0, kWindow);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->story_id, 1);
    EXPECT_EQ(m->explanation.fast_path, "url");
}

// Two editions of one bulletin: the same lead word for word but the day. The fingerprint says
// "same text"; the date says "another day", and wins.
TEST(StoryEngine, NearFingerprintMatchesUnlessADateDisagrees) {
    const std::string lead =
        "أفادت المديرية العامة للأرصاد الجوية بأن أمطارا قوية محليا رعدية ستهم أقاليم الحسيمة وشفشاون وتطوان، "
        "فيما ستعرف المرتفعات التي يتجاوز علوها 1500 متر تساقطات ثلجية بأقاليم إفران وأزيلال وميدلت يوم ";
    const StoryFeatures tuesday = features("نشرة إنذارية", lead + "الثلاثاء 30 دجنبر");
    const StoryFeatures tuesday_again = features("نشرة إنذارية من مستوى برتقالي", lead + "الثلاثاء 30 دجنبر");
    const StoryFeatures wednesday = features("نشرة إنذارية", lead + "الأربعاء 31 دجنبر");
    StoryEngine engine;
    engine.add(1, tuesday, kT0);
    const auto same = engine.match(tuesday_again, kT0 + 1h, kWindow);
    ASSERT_TRUE(same.has_value());
    EXPECT_EQ(same->story_id, 1);
    const auto why = engine.score_against(wednesday, kT0 + 1h, 1);
    ASSERT_TRUE(why.has_value());
    EXPECT_LE(why->explanation.fingerprint_distance, kMaxStoryDistance);
    EXPECT_EQ(why->explanation.fast_path, "");
    EXPECT_FALSE(engine.match(wednesday, kT0 + 1h, kWindow).has_value()) << why->to_string();
}

// The same lead word for word under another day's headline: the exact fingerprint finds the old
// bulletin at once, its date denies it, and the stories the posting lists find are still scored:
// this day's bulletin, in other words, is the match.
TEST(StoryEngine, AnExactCopyDeniedByAConflictLeavesTheOtherStoriesToScore) {
    const std::string lead =
        "أفادت المديرية العامة للأرصاد الجوية بأن أمطارا قوية محليا رعدية ستهم أقاليم الحسيمة وشفشاون وتطوان، "
        "فيما ستعرف المرتفعات التي يتجاوز علوها 1500 متر تساقطات ثلجية بأقاليم إفران وأزيلال وميدلت";
    const std::string reworded =
        "أفادت المديرية العامة للأرصاد الجوية بأن أمطارا غزيرة رعدية ستهم أقاليم الحسيمة وشفشاون وتطوان، "
        "بينما ستعرف المرتفعات التي يفوق علوها 1500 متر تساقطات ثلجية بأقاليم إفران وأزيلال وميدلت";
    const StoryFeatures tuesday = features("نشرة إنذارية ليوم الثلاثاء 30 دجنبر", lead);
    const StoryFeatures wednesday = features("نشرة إنذارية ليوم الأربعاء 31 دجنبر", reworded);
    const StoryFeatures wednesday_copy = features("نشرة إنذارية ليوم الأربعاء 31 دجنبر", lead);
    ASSERT_EQ(wednesday_copy.fingerprint, tuesday.fingerprint);
    ASSERT_NE(wednesday.fingerprint, tuesday.fingerprint);
    StoryEngine engine;
    engine.add(1, tuesday, kT0);
    engine.add(2, wednesday, kT0 + 1h);
    const auto to_tuesday = engine.score_against(wednesday_copy, kT0 + 2h, 1);
    ASSERT_TRUE(to_tuesday.has_value());
    EXPECT_EQ(to_tuesday->explanation.fingerprint_distance, 0);
    EXPECT_EQ(to_tuesday->explanation.fast_path, "") << to_tuesday->to_string();
    const auto m = engine.match(wednesday_copy, kT0 + 2h, kWindow);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->story_id, 2) << m->to_string();
}

// Across languages wording cannot be compared, so only a fast path joins: the same URL, or the
// same lead (a feed that declares another language for the same text).
TEST(StoryEngine, AcrossLanguagesOnlyAFastPathMatches) {
    StoryEngine engine;
    StoryFeatures story = kQuakeA;
    story.canonical_url = "https://site.example/seisme";
    engine.add(1, story, kT0);

    StoryFeatures rewrite = kQuakeB;
    rewrite.language = "en";
    EXPECT_FALSE(engine.match(rewrite, kT0 + 1h, kWindow).has_value());
    rewrite.language = kQuakeA.language;
    ASSERT_TRUE(engine.match(rewrite, kT0 + 1h, kWindow).has_value());

    StoryFeatures same_lead = kQuakeA;
    same_lead.language = "en";
    const auto by_lead = engine.match(same_lead, kT0 + 1h, kWindow);
    ASSERT_TRUE(by_lead.has_value());
    EXPECT_EQ(by_lead->explanation.fast_path, "fingerprint");

    StoryFeatures same_url = kTourism;
    same_url.language = "ar";
    same_url.canonical_url = story.canonical_url;
    const auto by_url = engine.match(same_url, kT0 + 1h, kWindow);
    ASSERT_TRUE(by_url.has_value());
    EXPECT_EQ(by_url->explanation.fast_path, "url");
}

TEST(StoryEngine, IsAValue) {
    StoryEngine engine;
    engine.add(1, kQuakeA, kT0);
    StoryEngine copy = engine;
    copy.remove(1);
    EXPECT_TRUE(engine.match(kQuakeB, kT0, kWindow).has_value());
    EXPECT_FALSE(copy.match(kQuakeB, kT0, kWindow).has_value());
}

// Many stories written from one vocabulary (every word frequent), a few of them with rare names:
// the candidates and the posting entries read per match stay under the limits, and do not grow
// from 2,000 stories held to 20,000.
TEST(StoryEngine, MatchCostDoesNotGrowWithStoriesHeld) {
    std::mt19937 random{5};
    std::vector<std::string> common, rare;
    for (int k = 0; k < 300; ++k) common.push_back("mot" + std::to_string(k));
    for (int k = 0; k < 100000; ++k) rare.push_back("Nom" + std::to_string(k));
    const auto story = [&] {
        std::string title = "Titre", lead = "Le";
        for (int w = 0; w < 8; ++w) title += " " + common[random() % common.size()];
        for (int w = 0; w < 50; ++w) lead += " " + common[random() % common.size()];
        lead += " avec " + rare[random() % rare.size()] + " et " + rare[random() % rare.size()] + ".";
        return features(title, lead);
    };
    const EngineLimits limits;
    StoryEngine engine;
    std::vector<std::size_t> postings_read;
    std::int64_t id = 0;
    for (const std::size_t held : {2000u, 20000u}) {
        while (engine.size() < held) engine.add(++id, story(), kT0 + std::chrono::seconds(id));
        std::size_t most = 0;
        for (int probe = 0; probe < 50; ++probe) {
            const auto c = engine.candidates(story(), kT0 + 10h, 24h * 30);
            EXPECT_LE(c.stories.size(), limits.candidates);
            EXPECT_LE(c.postings_read, limits.query_terms * limits.postings);
            most = std::max(most, c.postings_read);
        }
        postings_read.push_back(most);
    }
    EXPECT_LE(postings_read[1], postings_read[0] + limits.postings) << postings_read[0] << " → " << postings_read[1];
}

// A daemon runs for months: what the engine holds is the window, not the history. Window after
// window of new stories (each with names of its own, as news has), the heap the engine uses
// stays what one window needs, and what it holds per story stays small.
TEST(StoryEngine, MemoryIsTheWindowsNotTheHistorys) {
    std::mt19937 random{7};
    std::int64_t id = 0;
    const auto story = [&] {
        std::string title = "Titre", lead = "Le";
        for (int w = 0; w < 8; ++w) title += " mot" + std::to_string(random() % 2000);
        for (int w = 0; w < 50; ++w) lead += " mot" + std::to_string(random() % 2000);
        lead += " avec Nom" + std::to_string(id) + " et " + std::to_string(id) + " km.";
        return features(title, lead, "https://example.org/" + std::to_string(id));
    };
    StoryEngine engine;
    std::vector<std::size_t> bytes;
    for (int window = 0; window < 4; ++window) {
        const SysTime start = kT0 + 24h * window;
        for (int k = 0; k < 5000; ++k) engine.add(++id, story(), start + std::chrono::seconds(k));
        EXPECT_EQ(engine.size(), 5000u);
        bytes.push_back(engine.memory_bytes());
        engine.expire(start + 23h);
    }
    EXPECT_EQ(engine.size(), 0u);
    EXPECT_EQ(engine.terms(), 0u);
    // Capacities settle after the first windows; the last two hold the same.
    EXPECT_LE(bytes[3], bytes[1] + bytes[1] / 10) << bytes[1] << " → " << bytes[3];
    // About 60 terms a story, at 4 bytes each in the story and its posting entry.
    EXPECT_LT(bytes[3] / 5000, 1500u) << bytes[3];
}

}  // namespace
}  // namespace tributary::dedup

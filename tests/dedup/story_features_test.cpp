#include "dedup/story_features.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dedup/dedup.hpp"

namespace tributary::dedup {
namespace {

ParsedItem item(std::string title, std::string summary = {}) {
    ParsedItem i;
    i.title = std::move(title);
    i.summary = std::move(summary);
    return i;
}

bool has_term(const std::vector<TermCount>& terms, std::string_view term) {
    return std::any_of(terms.begin(), terms.end(), [&](const TermCount& t) { return t.term == term; });
}

std::vector<std::string> terms_of(const std::vector<TermCount>& terms) {
    std::vector<std::string> out;
    for (const TermCount& t : terms) out.push_back(t.term);
    return out;
}

bool has_entity(const StoryFeatures& f, std::string_view key, EntityKind kind) {
    return std::any_of(f.entities.begin(), f.entities.end(),
                       [&](const Entity& e) { return e.key == key && e.kind == kind; });
}

bool has_quantity(const StoryFeatures& f, std::string_view q) {
    return std::find(f.quantities.begin(), f.quantities.end(), q) != f.quantities.end();
}

// The single term a one-word title becomes.
std::string term(std::string_view word, std::string_view context) {
    const StoryFeatures f = extract_features(item(std::string(word), std::string(context)));
    return f.title.size() == 1 ? f.title[0].term : "<" + std::to_string(f.title.size()) + " terms>";
}

TEST(ExtractFeatures, GuessesLanguageFromScriptAndStopWords) {
    EXPECT_EQ(extract_features(item("الاستخبارات المغربية تساهم في حصيلة قياسية")).language, "ar");
    EXPECT_EQ(extract_features(item("Le Maroc et l'Espagne renforcent leur coopération sécuritaire")).language, "fr");
    EXPECT_EQ(extract_features(item("Morocco and Spain strengthen their security cooperation")).language, "en");
    EXPECT_EQ(extract_features(item("Марокко и Испания")).language, "other");
    EXPECT_EQ(extract_features(item("")).language, "other");
    // A few Latin names in an Arabic text leave it Arabic.
    EXPECT_EQ(extract_features(item("إذاعة Cadena SER الإسبانية تكشف حصيلة 2025")).language, "ar");
}

TEST(ExtractFeatures, StemsEachLanguageWithItsOwnStemmer) {
    constexpr std::string_view en = "The police said the man was arrested on Monday.";
    EXPECT_EQ(term("checks", en), term("checked", en));
    EXPECT_EQ(term("arrests", en), "arrest");
    constexpr std::string_view fr = "Le suspect a été présenté devant le parquet de la ville.";
    EXPECT_EQ(term("interpellés", fr), term("interpellé", fr));
    EXPECT_EQ(term("policiers", fr), term("policier", fr));
    // Arabic: the article, the conjunction and the feminine ending do not split one word in two.
    EXPECT_EQ(term("المغرب", ""), term("والمغرب", ""));
    EXPECT_EQ(term("المملكة", ""), term("المملكه", ""));
    EXPECT_EQ(term("السلطات", ""), term("والسلطات", ""));
}

TEST(ExtractFeatures, DropsStopWordsAndNewsFiller) {
    const StoryFeatures en = extract_features(item("The minister said that the dam is full"));
    EXPECT_FALSE(has_term(en.title, "the"));
    EXPECT_FALSE(has_term(en.title, "said"));
    EXPECT_TRUE(has_term(en.title, "minist"));
    const StoryFeatures fr = extract_features(item("Le ministre a déclaré que le barrage est plein selon la presse"));
    EXPECT_FALSE(has_term(fr.title, "le"));
    EXPECT_FALSE(has_term(fr.title, "selon"));
    const StoryFeatures ar = extract_features(item("قال الوزير إن السد ممتلئ في هذه الفترة"));
    for (const std::string& t : terms_of(ar.title)) {
        EXPECT_NE(t, "في");
        EXPECT_NE(t, "هذه");
        EXPECT_NE(t, "قال");
    }
    EXPECT_FALSE(ar.title.empty());
}

TEST(ExtractFeatures, LeadIsTheFirstWordsOfSummaryElseContent) {
    // Words of letters only ("wab", "wac", …): digits would make words of their own.
    const auto word = [](int i) {
        return std::string{'w', static_cast<char>('a' + i / 26), static_cast<char>('a' + i % 26)};
    };
    std::string long_text;
    for (int i = 0; i < 200; ++i) long_text += word(i) + " ";
    StoryFeatures f = extract_features(item("title", long_text));
    EXPECT_LE(f.lead.size(), kFeatureLeadWords);
    EXPECT_TRUE(has_term(f.lead, word(0)));
    EXPECT_TRUE(has_term(f.lead, word(kFeatureLeadWords - 1)));
    EXPECT_FALSE(has_term(f.lead, word(kFeatureLeadWords)));

    ParsedItem only_content = item("title");
    only_content.content = "<p>Lindsay <b>Lohan</b> checked into rehab</p>";
    f = extract_features(only_content);
    EXPECT_TRUE(has_term(f.lead, "lohan"));
    EXPECT_TRUE(has_term(f.lead, "rehab"));
}

TEST(ExtractFeatures, LatinNamesAreCapitalisedRunsNotSentenceStarts) {
    const StoryFeatures f = extract_features(
        item("Lawyer: Lindsay Lohan checks into rehab facility",
             "Officials said on Thursday that actress Lindsay Lohan checked into the Betty Ford Center in "
             "Rancho Mirage. Yesterday the court agreed. Heller argued that his client complied."));
    EXPECT_TRUE(has_entity(f, "lindsay lohan", EntityKind::name));
    EXPECT_TRUE(has_entity(f, "betti ford center", EntityKind::name));
    EXPECT_TRUE(has_entity(f, "rancho mirag", EntityKind::name));
    for (const Entity& e : f.entities) {
        EXPECT_NE(e.key, "offici") << "sentence-initial word";
        EXPECT_NE(e.key, "heller") << "sentence-initial and never capitalised elsewhere";
        EXPECT_NE(e.key, "thursday") << "a weekday is a date, not a name";
    }
}

TEST(ExtractFeatures, TitleCaseHeadlineNamesNothingByItself) {
    const StoryFeatures f = extract_features(item("Saints Place Running Back On Injured Reserve", "no names here"));
    EXPECT_TRUE(f.entities.empty());
}

TEST(ExtractFeatures, FrenchNamesPlacesAndHonorifics) {
    const StoryFeatures f =
        extract_features(item("Séisme près d'Al Hoceima",
                              "La secousse a été ressentie à Nador, selon M. Jouahri et la Direction générale de la "
                              "météorologie."));
    EXPECT_TRUE(has_entity(f, "al hoceim", EntityKind::place));
    EXPECT_TRUE(has_entity(f, "nador", EntityKind::place));
    EXPECT_TRUE(has_entity(f, "jouahr", EntityKind::person));
}

TEST(ExtractFeatures, ArabicCuesAndKnownPlaces) {
    const StoryFeatures f = extract_features(
        item("توقيف شخص بمدينة القصر الكبير",
             "أعلن السيد عبد اللطيف حموشي عن توقيف ثلاثة أشخاص بطنجة، في حين شعر سكان الدار البيضاء بالهزة. "
             "وأوقفت ولاية أمن أكادير شخصا آخر."));
    const auto keys_of_kind = [&](EntityKind kind) {
        std::vector<std::string> keys;
        for (const Entity& e : f.entities)
            if (e.kind == kind) keys.push_back(e.key);
        return keys;
    };
    const auto places = keys_of_kind(EntityKind::place);
    const auto persons = keys_of_kind(EntityKind::person);
    // The same place, whether the text writes it alone or with a proclitic, is one entity.
    EXPECT_EQ(places.size(), 4u) << ::testing::PrintToString(places);  // القصر (cue), طنجة, الدار البيضاء, أكادير
    EXPECT_EQ(extract_features(item("طنجة")).entities, extract_features(item("بطنجة")).entities);
    EXPECT_EQ(extract_features(item("وأزيلال")).entities, extract_features(item("أزيلال")).entities);
    ASSERT_EQ(persons.size(), 1u);
    EXPECT_EQ(std::count(persons[0].begin(), persons[0].end(), ' '), 1) << "two words after السيد";
    // "ولاية أمن أكادير": the place is Agadir, not "security".
    EXPECT_TRUE(has_entity(f, term("أكادير", ""), EntityKind::place));
}

TEST(ExtractFeatures, NumbersWithUnitsAndDates) {
    struct Case {
        std::string text;
        std::string quantity;
    };
    const std::vector<Case> cases{
        {"Un séisme de magnitude 5,2 a frappé la région", "mag:5.2"},
        {"هزة أرضية بقوة 4.9 درجات على سلم ريشتر", "mag:4.9"},
        {"réuni le 29 décembre à Rabat", "date:12-29"},
        {"réuni le 1er janvier à Rabat", "date:01-01"},
        {"on December 29, 2013 in Brooklyn", "date:12-29"},
        {"in Oct. 21 trial", "date:10-21"},
        {"le 29/12/2025 à Rabat", "date:12-29"},
        {"on 2025-12-29 at noon", "date:12-29"},
        {"يوم الثلاثاء 30 دجنبر", "date:12-30"},
        {"يوم الأربعاء ٣١ دجنبر", "date:12-31"},
        {"يوم الخميس المقبل", "wday:4"},
        {"jeudi prochain", "wday:4"},
        {"Raja beat Wydad 2-1 on Saturday", "score:1-2"},
        {"بفوز الرجاء بنتيجة 2-1", "score:1-2"},
        {"une enveloppe de 3 millions de dirhams", "mad:3000000"},
        {"AMD paid $334 million for SeaMicro", "usd:334000000"},
        {"l'inflation à 2,25% cette année", "pct:2.25"},
        {"نسبة 12 في المائة", "pct:12"},
        {"حجز 2.3 طن من المخدرات", "t:2.3"},
        {"120 hectares ravagés", "ha:120"},
        {"يبلغ من العمر 34 سنة", "yr:34"},
        {"a 16-year-old boy", "yr:16"},
        {"أمطار ما بين 30 و50 ملم", "mm:50"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const StoryFeatures f = extract_features(item("x", c.text));
        EXPECT_TRUE(has_quantity(f, c.quantity)) << ::testing::PrintToString(f.quantities);
    }
    // A time of day is no score, and a bare number no quantity (it stays a term).
    const StoryFeatures f = extract_features(item("x", "at 14:30 the 112 suspects"));
    EXPECT_TRUE(f.quantities.empty()) << ::testing::PrintToString(f.quantities);
    EXPECT_TRUE(has_term(f.lead, "112"));
}

// Sites write one amount many ways; each way must give the same quantity, or two reports of one
// deal or budget conflict ("$334m" read as 334 dollars kept AMD's purchase of SeaMicro apart).
TEST(ExtractFeatures, AmountsOfMoneyInTheirShortForms) {
    struct Case {
        std::string text;
        std::string quantity;
    };
    const std::vector<Case> cases{
        {"AMD pays $334m for SeaMicro", "usd:334000000"},
        {"AMD pays US$334 million for SeaMicro", "usd:334000000"},
        {"a deal worth $2bn", "usd:2000000000"},
        {"a deal worth $2 bn", "usd:2000000000"},
        {"a fine of €3.5bn", "eur:3500000000"},
        {"a bid of £12.5bn for the group", "gbp:12500000000"},
        {"a budget of 4 mln dollars", "usd:4000000"},
        {"une enveloppe de 3 M€ pour la région", "eur:3000000"},
        {"un contrat de 1,2 Md€ signé hier", "eur:1200000000"},
        {"un budget de 334 millions $ pour le port", "usd:334000000"},
        {"une enveloppe de 10 MDH pour la commune", "mad:10000000"},
        {"une enveloppe de 10 millions de dirhams pour la commune", "mad:10000000"},
        {"un investissement de 5 MMDH à Tanger", "mad:5000000000"},
        {"un investissement de 5 milliards de dirhams à Tanger", "mad:5000000000"},
        {"un investissement de 5 mds de dirhams à Tanger", "mad:5000000000"},
        {"une amende de 500 DH pour excès de vitesse", "mad:500"},
        {"une amende de 1,5 MDH", "mad:1500000"},
        {"une amende de 1,5 million de dirhams", "mad:1500000"},
        {"غرامة قدرها 1.5 مليون درهم", "mad:1500000"},
        {"a loan of USD 5 million", "usd:5000000"},
        {"un prêt de MAD 500 millions", "mad:500000000"},
        {"a grant of EUR 3bn", "eur:3000000000"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const StoryFeatures f = extract_features(item("x", c.text));
        EXPECT_EQ(f.quantities, std::vector<std::string>{c.quantity});
    }
    // Without money, a short multiplier is another unit ("100m", "5m": metres) or nothing.
    for (const std::string text :
         {"he won the 100m sprint", "a wall 5m high", "the 2b pencil", "he went mad 5 times"}) {
        SCOPED_TRACE(text);
        EXPECT_TRUE(extract_features(item("x", text)).quantities.empty());
    }
    // A unit's capitals name nothing: the names here are Tanger and l'Etat only.
    const StoryFeatures f = extract_features(item("x", "la commune de Tanger reçoit 10 MDH et 3 M€ de l'Etat"));
    EXPECT_EQ(f.entities.size(), 2u);
    EXPECT_TRUE(has_entity(f, "tang", EntityKind::place));
    EXPECT_TRUE(has_entity(f, "etat", EntityKind::name));
    const StoryFeatures words = extract_features(item("x", "la région reçoit 2 milliards de DH de l'Etat"));
    EXPECT_EQ(words.entities.size(), 1u);
    EXPECT_TRUE(has_entity(words, "etat", EntityKind::name));
}

// One amount, however a site groups its thousands, is one term and one quantity: "10 000
// dirhams" read as 0 dirhams, and "10.000" as 10, made three reports of one fine conflict.
TEST(ExtractFeatures, ThousandsInGroupsAreOneNumber) {
    for (const std::string text :
         {"une amende de 10 000 dirhams", "une amende de 10\u202F000 dirhams", "une amende de 10\u00A0000 dirhams",
          "une amende de 10.000 dirhams", "une amende de 10,000 dirhams", "une amende de 10000 dirhams",
          "غرامة قدرها ١٠٬٠٠٠ درهم"}) {
        SCOPED_TRACE(text);
        const StoryFeatures f = extract_features(item("x", text));
        EXPECT_EQ(f.quantities, std::vector<std::string>{"mad:10000"});
        EXPECT_TRUE(has_term(f.lead, "10000")) << ::testing::PrintToString(terms_of(f.lead));
    }
    EXPECT_EQ(extract_features(item("x", "un budget de 1 500 000 dirhams")).quantities,
              std::vector<std::string>{"mad:1500000"});
    EXPECT_EQ(extract_features(item("x", "un budget de 1.500.000 dirhams")).quantities,
              std::vector<std::string>{"mad:1500000"});
    // Not groups: a year and a count, a decimal, a date, a space that is not a lone separator.
    const StoryFeatures year = extract_features(item("x", "en 2012 100 personnes"));
    EXPECT_TRUE(has_term(year.lead, "2012"));
    EXPECT_TRUE(has_term(year.lead, "100"));
    EXPECT_EQ(extract_features(item("x", "l'inflation à 2,25% cette année")).quantities,
              std::vector<std::string>{"pct:2.25"});
    EXPECT_EQ(extract_features(item("x", "le 29.12.2025 à Rabat")).quantities, std::vector<std::string>{"date:12-29"});
    const StoryFeatures list = extract_features(item("x", "les lots 12, 345 et 678"));
    EXPECT_TRUE(has_term(list.lead, "345"));
    EXPECT_TRUE(has_term(list.lead, "678"));
}

// A minus sign makes another temperature: two bulletins of consecutive days differ by "-5 °C"
// against "5 °C". A hyphen between words or numbers is no sign, and a rate keeps none (a fall of
// 1,2 % is written "-1,2 %" by one site and "a reculé de 1,2 %" by another).
TEST(ExtractFeatures, TemperaturesBelowZero) {
    struct Case {
        std::string text;
        std::vector<std::string> quantities;
    };
    const std::vector<Case> cases{
        {"Températures de -5 °C à Ifrane", {"deg:-5"}},   {"des minimales de \u22123 degrés à Ifrane", {"deg:-3"}},
        {"un recul (-1,2%) des ventes", {"pct:1.2"}},     {"moins 4 degrés à Ifrane", {"deg:-4"}},
        {"درجة الحرارة ناقص 3 درجات بإفران", {"deg:-3"}}, {"-4 °C ce matin à Ifrane", {"deg:-4"}},
        {"Le COVID-19 et 5 °C à Ifrane", {"deg:5"}},      {"entre 30-50 mm de pluie", {"mm:50"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(extract_features(item("x", c.text)).quantities, c.quantities);
    }
}

// The sign after a text's (or a lead's) last number is read too: "4 %" ending a summary, or the
// 60th word of a longer one, is a rate.
TEST(ExtractFeatures, ASignAfterTheLastWordCounts) {
    EXPECT_EQ(extract_features(item("x", "la croissance atteint 4 %")).quantities, std::vector<std::string>{"pct:4"});
    EXPECT_EQ(extract_features(item("x", "une enveloppe de 3 M€.")).quantities,
              std::vector<std::string>{"eur:3000000"});
    std::string long_lead;
    for (std::size_t k = 0; k + 1 < kFeatureLeadWords; ++k) long_lead += "mot ";
    long_lead += "4 % de hausse, puis 7 % de baisse";
    EXPECT_EQ(extract_features(item("x", long_lead)).quantities, std::vector<std::string>{"pct:4"});
}

TEST(ExtractFeatures, KeepsTheFastPathKeys) {
    ParsedItem i = item("Title", "A lead long enough to have a fingerprint of its own words here today");
    i.link = "https://Example.org/a?utm_source=x";
    const StoryFeatures f = extract_features(i);
    EXPECT_EQ(f.canonical_url, "https://example.org/a");
    EXPECT_EQ(f.fingerprint, story_fingerprint(i));
}

TEST(Serialize, RoundTripsEveryField) {
    ParsedItem i = item("الاستخبارات المغربية تساهم بشكل حاسم في حصيلة قياسية خلال 2025",
                        "أعلن السيد عبد اللطيف حموشي يوم الخميس 25 دجنبر عن حجز 2.3 طن بطنجة و Cadena SER");
    i.link = "https://example.org/article/1";
    const StoryFeatures f = extract_features(i);
    ASSERT_FALSE(f.entities.empty());
    ASSERT_FALSE(f.quantities.empty());
    const std::string bytes = serialize(f);
    EXPECT_LT(bytes.size(), 1024u);
    const std::optional<StoryFeatures> back = deserialize(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, f);
    EXPECT_EQ(deserialize(serialize(StoryFeatures{})), StoryFeatures{});
}

TEST(Serialize, RefusesWhatItDidNotWrite) {
    const std::string bytes = serialize(extract_features(item("Morocco and Spain", "A lead with Rabat in it, 5%")));
    EXPECT_FALSE(deserialize("").has_value());
    EXPECT_FALSE(deserialize("not features").has_value());
    for (std::size_t cut = 0; cut < bytes.size(); ++cut)
        EXPECT_FALSE(deserialize(bytes.substr(0, cut)).has_value()) << "truncated at " << cut;
    EXPECT_FALSE(deserialize(bytes + "x").has_value());
    std::string other_version = bytes;
    other_version[3] = static_cast<char>(kFeaturesVersion + 1);
    EXPECT_FALSE(deserialize(other_version).has_value());
}

// A FeaturesView's fields as owned values, to compare two views.
StoryFeatures owned_copy(const FeaturesView& v) {
    StoryFeatures f;
    f.language = v.language;
    f.fingerprint = v.fingerprint;
    f.canonical_url = v.canonical_url;
    for (const auto& t : v.title) f.title.push_back({std::string(t.term), t.count});
    for (const auto& t : v.lead) f.lead.push_back({std::string(t.term), t.count});
    for (const auto& e : v.entities) f.entities.push_back({std::string(e.key), e.kind});
    f.quantities.assign(v.quantities.begin(), v.quantities.end());
    return f;
}

TEST(Serialize, ReadInPlaceLeavesNothingOfTheItemBefore) {
    // The store's thread reads every item into one view: a short item after a long one must not
    // keep the long one's terms, names or quantities, nor one read after a refused one.
    ParsedItem long_item = item("Le Maroc et l'Espagne signent 12 accords à Rabat le 3 février",
                                "M. Aziz Akhannouch a reçu Pedro Sánchez à Rabat pour 2,5 milliards d'euros, 14 %");
    long_item.link = "https://example.org/long";
    const StoryFeatures long_features = extract_features(long_item);
    const StoryFeatures short_features = extract_features(item("Pluie à Fès", "Averses"));
    ASSERT_GT(long_features.entities.size(), short_features.entities.size());
    ASSERT_GT(long_features.quantities.size(), short_features.quantities.size());

    const std::string long_bytes = serialize(long_features), short_bytes = serialize(short_features);
    FeaturesView view;
    ASSERT_TRUE(read_features(long_bytes, view));
    EXPECT_EQ(owned_copy(view), long_features);
    ASSERT_TRUE(read_features(short_bytes, view));
    EXPECT_EQ(owned_copy(view), short_features);
    EXPECT_FALSE(read_features(long_bytes.substr(0, long_bytes.size() - 1), view));
    ASSERT_TRUE(read_features(long_bytes, view));
    EXPECT_EQ(owned_copy(view), long_features);

    view_features(short_features, view);
    EXPECT_EQ(owned_copy(view), short_features);
}

TEST(Serialize, GarbageNeverCrashes) {
    std::mt19937 random{7};
    const std::string valid = serialize(extract_features(item("Morocco and Spain", "A lead with Rabat, 5% and 2-1")));
    for (int round = 0; round < 20000; ++round) {
        std::string bytes = valid;
        for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips)
            bytes[random() % bytes.size()] = static_cast<char>(random());
        if (const auto f = deserialize(bytes)) {
            EXPECT_EQ(deserialize(serialize(*f)), f);
        }
    }
}

TEST(ExtractFeatures, AnyBytesGiveFeatures) {
    std::mt19937 random{11};
    const std::string pieces[] = {"\xD8\xA7",
                                  "\xD9",
                                  "\xFF",
                                  "\xE2\x80\x99",
                                  "2",
                                  ".",
                                  ",",
                                  "-",
                                  " ",
                                  "A",
                                  "é",
                                  "\xD9\xA3",
                                  "%",
                                  "$",
                                  "\xE2\x82\xAC",
                                  "\n",
                                  "<p>",
                                  "&amp;",
                                  "\xF0\x9F\x98\x80"};
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        for (int k = static_cast<int>(random() % 80); k > 0; --k) text += pieces[random() % std::size(pieces)];
        const StoryFeatures f = extract_features(item(text, text));
        EXPECT_EQ(deserialize(serialize(f)), f);
    }
    const StoryFeatures huge = extract_features(item(std::string(1 << 20, 'a'), std::string(1 << 20, '9')));
    EXPECT_LE(huge.lead.size(), kFeatureLeadWords);
}

TEST(ExtractFeatures, ThreadsHaveTheirOwnStemmers) {
    const ParsedItem ar = item("الاستخبارات المغربية تساهم بشكل حاسم", "أعلنت السلطات المغربية حجز أطنان");
    const ParsedItem fr = item("Les policiers ont interpellé trois suspects", "Les suspects ont été présentés");
    const StoryFeatures expected_ar = extract_features(ar), expected_fr = extract_features(fr);
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int k = 0; k < 300; ++k) {
                mismatches[t] += extract_features(ar) != expected_ar;
                mismatches[t] += extract_features(fr) != expected_fr;
            }
        });
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// A thread remembers what it learnt of each word it met (its stems, whether it is a stop word):
// an item's features must not depend on what the thread read before, neither on a word met in
// another language (one Latin word, a French and an English stem) nor on that memory filling up
// and starting over, which happens here in the middle of the run (16,384 words).
TEST(ExtractFeatures, FeaturesDoNotDependOnWhatTheThreadReadBefore) {
    const std::vector<ParsedItem> texts{
        // "national" and "festival" stem to "nation" and "festiv" in English, stay whole in French.
        item("The national festival opened with a new generation", "The festival drew the national press."),
        item("Le festival national s'ouvre sur une nouvelle génération", "Le festival national attire la presse."),
        item("الشرطة تعلن توقيف المشتبه فيهم في طنجة", "أعلنت السلطات الأمنية بطنجة توقيف ثلاثة أشخاص"),
        item("Stations: reports of attacks", "Reports of attacks on stations in Rabat on Monday 12 March."),
    };
    // Each with 40 words the thread has not met yet, so that the memory fills while an item is read.
    std::mt19937 random(11);
    std::vector<ParsedItem> items;
    for (int round = 0; round < 150; ++round)
        for (ParsedItem i : texts) {
            for (int w = 0; w < 40; ++w) {
                i.summary += " m";
                for (std::uint32_t x = random(); x > 0; x /= 26) i.summary += static_cast<char>('a' + x % 26);
            }
            items.push_back(std::move(i));
        }
    std::vector<std::string> alone;  // each item in a thread that read nothing else
    for (const ParsedItem& i : items) std::thread([&] { alone.push_back(serialize(extract_features(i))); }).join();
    std::vector<std::string> in_turn;
    std::thread([&] {
        for (const ParsedItem& i : items) in_turn.push_back(serialize(extract_features(i)));
    }).join();
    ASSERT_EQ(in_turn.size(), alone.size());
    for (std::size_t k = 0; k < items.size(); ++k) ASSERT_EQ(in_turn[k], alone[k]) << "item " << k;
}

}  // namespace
}  // namespace tributary::dedup

#include "dedup/lexicon.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dedup/dedup.hpp"

namespace tributary::dedup::lexicon {
namespace {

// Lists are written as one space-separated string each: short to read, and normalised word by
// word below, so "été", "ete" and "Été" are one entry.

constexpr std::string_view kEnglishStop =
    "a about above after again against all am an and any are as at be because been before being below between both "
    "but by can could did do does doing down during each few for from further had has have having he her here hers "
    "herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on "
    "once only or other our ours out over own same she should so some such than that the their theirs them "
    "themselves then there these they this those through to too under until up very was we were what when where "
    "which while who whom why will with would you your yours s t d ll ve re m n st nd rd th mr mrs ms dr also "
    "may might must one two three another";

constexpr std::string_view kFrenchStop =
    "a au aux avec ce ces cet cette c ca d dans de des du elle elles en et eux il ils j je l la le les leur leurs "
    "lui m ma mais me meme mes moi mon n ne ni nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta "
    "te tes toi ton tu un une vos votre vous y est sont etait etaient ete etre avoir ont avait avaient eu sera "
    "seront fait faire comme sans sous entre vers chez depuis pendant avant apres contre lors si aussi ainsi alors "
    "encore deja bien tres tout tous toute toutes autre autres cela celui celle ceux celles dont lequel laquelle "
    "quel quelle quels quelles plus moins peu trop dont er e eme un deux trois";

// Arabic function words, with the conjunction و attached where news writing nearly always
// attaches it. The stemmer strips other proclitics; these words would survive it.
constexpr std::string_view kArabicStop =
    "في من الى إلى على عن مع هذا هذه ذلك تلك هؤلاء التي الذي الذين اللذين اللتين اللواتي هو هي هم هن هما نحن أنا "
    "انت كان كانت يكون تكون كانوا يكن قد لقد لم لن لا ما ماذا متى أين كيف أن إن أنه أنها إنه إنها بأن لأن كأن بين "
    "عند عندما حيث حتى ثم أو أم بل لكن لكنه كما كل بعض غير بعد قبل خلال منذ أي أيضا وقد وفي ومن وعلى وإلى وأن وإن "
    "وهو وهي وهم وكان وكانت ولا وما ولم فيما فيها فيه منها منه منهم عليه عليها عليهم إليه إليها به بها بهم لها له "
    "لهم ذاته ذاتها نفسه نفسها هناك هنا تم يتم وتم حول ضد دون لدى سوى إذ إذا إلا الا وذلك وهذا وهذه كذلك مثل ضمن "
    "عبر لدى جميع أمام وراء فوق تحت حين بينما عن وعن كل وكل أكثر أقل جدا فقط ايضا اي ان او";

// Words every news item carries whatever happened: saying verbs, relative days, "according to".
constexpr std::string_view kNewsFiller =
    "said says say told according reported reports report yesterday today tomorrow tonight "
    "dit declare selon hier aujourd hui demain soir matin "
    "قال قالت وقال وقالت يقول أكد وأكد أكدت وأكدت أضاف وأضاف أضافت وأضافت أشار وأشار أشارت وأشارت أوضح وأوضح "
    "حسب وحسب بحسب وبحسب وفق وفقا ووفق اليوم أمس غدا مساء صباح";

constexpr std::string_view kFrenchMarkers =
    "le la les des du et est une pour dans sur par qui que au aux avec ont ete sont cette ces selon apres "
    "lors pas ne";
constexpr std::string_view kEnglishMarkers =
    "the and of to is was for with that on at by from his her has have said were are after this who "
    "which their";

// Numbered in order, several spellings to one number.
constexpr std::array<std::string_view, 12> kMonths{
    "january jan janvier janv يناير جانفي",
    "february feb fevrier fevr فبراير فيفري شباط",
    "march mar mars مارس آذار",
    "april apr avril أبريل ابريل افريل نيسان",
    "may mai ماي مايو أيار",
    "june jun juin يونيو يونيه جوان حزيران",
    "july jul juillet juil يوليوز يوليو يوليه جويلية تموز",
    "august aug aout غشت أغسطس اوت آب",
    "september sept sep septembre شتنبر سبتمبر أيلول",
    "october oct octobre أكتوبر اكتوبر",
    "november nov novembre نونبر نوفمبر",
    "december dec decembre دجنبر ديسمبر",
};
constexpr std::array<std::string_view, 7> kWeekdays{
    "monday lundi الاثنين الإثنين اثنين",
    "tuesday mardi الثلاثاء ثلاثاء",
    "wednesday mercredi الأربعاء أربعاء",
    "thursday jeudi الخميس خميس",
    "friday vendredi الجمعة",
    "saturday samedi السبت سبت",
    "sunday dimanche الأحد",
};

struct UnitSpelling {
    std::string_view unit;
    std::string_view words;
};
// Only units whose two different values mean two different facts. Counts of people are left
// out on purpose: a toll is revised between two reports of one event.
constexpr std::array<UnitSpelling, 12> kUnits{{
    {"pct", "percent pourcent بالمائة بالمئة المائة المئة"},
    {"km", "km kilometres kilometers kilometre kilometer kms كلم كيلومتر كيلومترا كيلومترات"},
    {"deg", "degrees degree degres degre درجة درجات"},
    {"mad", "dirhams dirham dh dhs درهم دراهم درهما"},
    {"eur", "euros euro eur يورو أورو"},
    {"usd", "dollars dollar usd دولار دولارا دولارات"},
    {"gbp", "gbp sterling"},
    // Ages and durations: a suspect of 34 and one of 27 are two people.
    {"yr", "year years ans an عاما عام سنة سنوات سنه"},
    {"mm", "mm millimetres millimeters millimetre ملم مليمتر مليمترا"},
    // Seizures, harvests, fires.
    {"t", "tonnes tonne tons ton طن أطنان"},
    {"kg", "kg kilogrammes kilogramme kilograms kilogram كلغ كيلوغرام كيلوغراما كيلوغرامات"},
    {"ha", "ha hectares hectare هكتار هكتارا هكتارات"},
}};

constexpr std::string_view kThousands = "thousand thousands mille milliers ألف آلاف الاف";
constexpr std::string_view kMillions = "million millions مليون ملايين";
constexpr std::string_view kBillions = "billion billions milliard milliards مليار ملايير مليارات";
// The press's short multipliers: "$334m", "€3.5bn", "3 M€", "1,2 Md€", "2 mds de dirhams",
// "4 mln dollars". Read only in an amount of money: alone, "100m" and "5m" are metres.
constexpr std::string_view kShortThousands = "k";
constexpr std::string_view kShortMillions = "m mn mln mio";
constexpr std::string_view kShortBillions = "bn bln b md mds mrd mrds";
constexpr std::string_view kMagnitudeCues = "magnitude بقوة قوتها";
constexpr std::string_view kUnitLinkers = "de d of من";

// Arabic nouns that a person's name follows, and French/English honorifics.
constexpr std::string_view kPersonCues =
    "السيد السيدة الملك الأمير الأميرة الرئيس الشيخ الحاج اللاعب المدرب الدولي النجم الفنان الفنانة الكاتب "
    "الكاتبة الصحفي الصحفية القاضي المحامي الجنرال العقيد "
    "m mme mr mrs ms dr me";
// Arabic nouns that a place's name follows.
constexpr std::string_view kPlaceCues = "مدينة إقليم عمالة جهة جماعة قرية دوار حي شارع ملعب ولاية سواحل منطقة ضواحي";

// Moroccan cities and regions, and a few capitals in the news from here; multi-word names with
// '_' between the words.
constexpr std::string_view kPlaces =
    "الرباط سلا الدار_البيضاء البيضاء طنجة تطوان فاس مكناس مراكش أكادير وجدة العيون الداخلة الحسيمة الناظور "
    "القنيطرة آسفي الجديدة بني_ملال خريبكة تازة الرشيدية ورزازات إفران الصويرة العرائش أصيلة شفشاون كلميم "
    "طانطان سطات المحمدية بركان تارودانت تيزنيت الفنيدق المضيق خنيفرة الخميسات سيدي_قاسم سيدي_سليمان "
    "سيدي_بنور سيدي_إفني القصر_الكبير وزان الصخيرات تمارة برشيد بنسليمان اليوسفية قلعة_السراغنة أزيلال "
    "ميدلت زاكورة طاطا السمارة بوجدور الدريوش مرتيل حد_السوالم الحوز الريف سوس الأطلس مدريد باريس الجزائر تونس نواكشوط "
    "القاهرة بروكسل "
    "casablanca rabat sale tanger tangier tetouan fes fez meknes marrakech agadir oujda laayoune dakhla "
    "al_hoceima alhoceima nador kenitra safi el_jadida beni_mellal khouribga taza errachidia ouarzazate ifrane "
    "essaouira larache asilah chefchaouen guelmim tan-tan settat mohammedia berkane taroudant tiznit fnideq "
    "khenifra khemisset temara skhirat driouch martil had_soualem madrid paris alger tunis nouakchott bruxelles "
    "brussels";

// Looked up by string_view without building a string: several lookups a word, on every item.
struct WordHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view word) const noexcept { return std::hash<std::string_view>{}(word); }
};
using WordSet = std::unordered_set<std::string, WordHash, std::equal_to<>>;
template <typename Value>
using WordMap = std::unordered_map<std::string, Value, WordHash, std::equal_to<>>;

void add_words(WordSet& set, std::string_view list) {
    std::size_t i = 0;
    while (i < list.size()) {
        const std::size_t end = std::min(list.find(' ', i), list.size());
        if (end > i) {
            std::string word(list.substr(i, end - i));
            std::replace(word.begin(), word.end(), '_', ' ');
            if (std::string norm = normalize_text(word); !norm.empty()) set.insert(std::move(norm));
        }
        i = end + 1;
    }
}

WordSet words(std::string_view list) {
    WordSet set;
    add_words(set, list);
    return set;
}

template <std::size_t N>
WordMap<int> numbered(const std::array<std::string_view, N>& lists) {
    WordMap<int> out;
    for (std::size_t i = 0; i < N; ++i)
        for (const std::string& w : words(lists[i])) out.emplace(w, static_cast<int>(i) + 1);
    return out;
}

// Function-local statics: built once, on first use, safely from any thread; read-only after.
const WordSet& english_stop() {
    static const WordSet set = words(kEnglishStop);
    return set;
}
const WordSet& french_stop() {
    static const WordSet set = words(kFrenchStop);
    return set;
}
const WordSet& arabic_stop() {
    static const WordSet set = words(kArabicStop);
    return set;
}

bool contains(const WordSet& set, std::string_view word) { return set.contains(word); }

// The one-letter proclitics: و ف ب ل ك.
constexpr std::array<std::string_view, 5> kProclitics{"\u0648", "\u0641", "\u0628", "\u0644", "\u0643"};
constexpr std::string_view kLamLam = "\u0644\u0644";  // لل, for ل + ال
constexpr std::string_view kAl = "\u0627\u0644";      // ال

// The word without one leading proclitic (or لل for ل + ال), when enough remains to be a noun:
// "بمدينة" → "مدينة", "للرباط" → "الرباط".
// The word without one proclitic (لل read as ال), as a view of `word` or of `scratch`; empty when
// it has none, or too little would be left. Asked of every word (weekdays, cues, places): a view,
// not a new string each time.
std::string_view without_proclitic(std::string_view word, std::string& scratch) {
    constexpr std::size_t kMinRestBytes = 6;  // three Arabic letters
    if (word.starts_with(kLamLam) && word.size() >= kLamLam.size() + kMinRestBytes) {
        scratch.assign(kAl);  // ال + rest
        scratch.append(word.substr(kLamLam.size()));
        return scratch;
    }
    for (const std::string_view p : kProclitics)
        if (word.starts_with(p) && word.size() >= p.size() + kMinRestBytes) return word.substr(p.size());
    return {};
}

// The function-word lists of a language: for Lang::other, the French and English ones.
std::vector<const WordSet*> stop_lists(Lang lang) {
    switch (lang) {
        case Lang::ar: return {&arabic_stop()};
        case Lang::fr: return {&french_stop()};
        case Lang::en: return {&english_stop()};
        case Lang::other: return {&french_stop(), &english_stop()};
    }
    return {};
}

const WordSet& news_filler() {
    static const WordSet set = words(kNewsFiller);
    return set;
}

}  // namespace

bool is_stop_word(Lang lang, std::string_view word) {
    const auto lists = stop_lists(lang);
    return std::any_of(lists.begin(), lists.end(), [&](const WordSet* list) { return contains(*list, word); });
}

bool is_news_filler(std::string_view word) { return contains(news_filler(), word); }

bool is_french_marker(std::string_view word) {
    static const WordSet set = words(kFrenchMarkers);
    return contains(set, word);
}

bool is_english_marker(std::string_view word) {
    static const WordSet set = words(kEnglishMarkers);
    return contains(set, word);
}

std::optional<int> month_of(std::string_view word) {
    static const auto map = numbered(kMonths);
    if (const auto it = map.find(word); it != map.end()) return it->second;
    return std::nullopt;
}

std::optional<int> weekday_of(std::string_view word) {
    static const auto map = numbered(kWeekdays);
    if (const auto it = map.find(word); it != map.end()) return it->second;
    // "يوم الخميس", "وفي الخميس": one proclitic is common before a weekday.
    std::string scratch;
    if (const std::string_view bare = without_proclitic(word, scratch); !bare.empty())
        if (const auto it = map.find(bare); it != map.end()) return it->second;
    return std::nullopt;
}

bool is_noise_word(Lang list, std::string_view word) {
    // What the three questions answer together, asked of every word of every item: one set per
    // list, with the weekdays written with a proclitic spelled out (those the proclitic rule of
    // weekday_of() reads back as a weekday), instead of four lookups and a string a word.
    static const std::array<WordSet, 4> sets = [] {
        WordSet weekdays;
        for (const std::string_view list : kWeekdays) add_words(weekdays, list);
        WordSet with_proclitics = weekdays;
        for (const std::string& day : weekdays) {
            std::vector<std::string> spellings;
            for (const std::string_view p : kProclitics) spellings.push_back(std::string(p) + day);
            if (day.starts_with(kAl)) spellings.push_back(std::string(kLamLam) + day.substr(kAl.size()));
            for (std::string& s : spellings)
                if (weekday_of(s).has_value()) with_proclitics.insert(std::move(s));
        }
        std::array<WordSet, 4> out;
        for (const Lang lang : {Lang::other, Lang::ar, Lang::fr, Lang::en}) {
            WordSet& set = out[static_cast<std::size_t>(lang)];
            set = with_proclitics;
            set.insert(news_filler().begin(), news_filler().end());
            for (const WordSet* list : stop_lists(lang)) set.insert(list->begin(), list->end());
        }
        return out;
    }();
    return contains(sets[static_cast<std::size_t>(list)], word);
}

std::string_view unit_of(std::string_view word) {
    static const auto map = [] {
        WordMap<std::string_view> out;
        for (const UnitSpelling& u : kUnits)
            for (const std::string& w : words(u.words)) out.emplace(w, u.unit);
        return out;
    }();
    if (const auto it = map.find(word); it != map.end()) return it->second;
    return {};
}

std::optional<double> multiplier_of(std::string_view word) {
    static const WordSet thousands = words(kThousands), millions = words(kMillions), billions = words(kBillions);
    if (contains(thousands, word)) return 1e3;
    if (contains(millions, word)) return 1e6;
    if (contains(billions, word)) return 1e9;
    return std::nullopt;
}

std::optional<double> short_money_multiplier_of(std::string_view word) {
    static const WordSet thousands = words(kShortThousands), millions = words(kShortMillions),
                         billions = words(kShortBillions);
    if (contains(thousands, word)) return 1e3;
    if (contains(millions, word)) return 1e6;
    if (contains(billions, word)) return 1e9;
    return std::nullopt;
}

std::optional<Amount> money_word_of(std::string_view word) {
    // Moroccan usage: "MDH" is millions of dirhams, "MMDH" milliards, never plain dirhams.
    if (word == "mdh" || word == "mdhs") return Amount{"mad", 1e6};
    if (word == "mmdh" || word == "mmdhs") return Amount{"mad", 1e9};
    return std::nullopt;
}

bool is_currency(std::string_view unit) { return unit == "usd" || unit == "eur" || unit == "mad" || unit == "gbp"; }

std::string_view currency_of_sign(std::string_view text) {
    if (text.find('$') != std::string_view::npos) return "usd";
    if (text.find("\u20AC") != std::string_view::npos) return "eur";
    if (text.find("\u00A3") != std::string_view::npos) return "gbp";
    return {};
}

bool is_magnitude_cue(std::string_view word) {
    static const WordSet set = words(kMagnitudeCues);
    return contains(set, word);
}

bool is_unit_linker(std::string_view word) {
    static const WordSet set = words(kUnitLinkers);
    return contains(set, word);
}

Cue cue_of(std::string_view word) {
    static const WordSet persons = words(kPersonCues), places = words(kPlaceCues);
    std::string scratch;
    const std::string_view bare = without_proclitic(word, scratch);
    if (contains(persons, word) || (!bare.empty() && contains(persons, bare))) return Cue::person;
    if (contains(places, word) || (!bare.empty() && contains(places, bare))) return Cue::place;
    return Cue::none;
}

namespace {

const WordSet& places() {
    static const WordSet set = words(kPlaces);
    return set;
}

// The first words of the places: most words start none, and are turned away by one lookup.
const WordSet& first_words_of_places() {
    static const WordSet set = [] {
        WordSet out;
        for (const std::string& place : places()) out.insert(place.substr(0, place.find(' ')));
        return out;
    }();
    return set;
}

}  // namespace

bool may_start_place(std::string_view word) {
    thread_local std::string scratch;
    const std::string_view bare = without_proclitic(word, scratch);
    return contains(first_words_of_places(), word) || (!bare.empty() && contains(first_words_of_places(), bare));
}

Place place_at(std::span<const std::string_view> words_at) {
    const WordSet& places = lexicon::places();
    const WordSet& first_words = first_words_of_places();
    if (words_at.empty()) return {};
    // The first word as the list spells it: itself, or without its proclitic.
    // Asked of every Arabic word: the candidate spellings are built in one buffer, not new strings.
    thread_local std::string candidate, scratch, tail;
    std::string_view bare = without_proclitic(words_at[0], scratch);
    if (!bare.empty() && !contains(first_words, bare)) bare = {};
    if (bare.empty() && !contains(first_words, words_at[0])) return {};
    const auto first_of = [&](std::string_view rest) -> std::optional<std::string> {
        for (const std::string_view first : {words_at[0], bare}) {
            if (first.empty()) continue;
            candidate.assign(first);
            candidate.append(rest);
            if (contains(places, candidate)) return std::string(first);
        }
        return std::nullopt;
    };
    if (words_at.size() >= 2) {
        tail.assign(" ");
        tail.append(words_at[1]);
        if (auto first = first_of(tail)) return {2, std::move(*first)};
    }
    if (auto first = first_of("")) return {1, std::move(*first)};
    return {};
}

}  // namespace tributary::dedup::lexicon

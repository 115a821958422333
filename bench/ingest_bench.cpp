// What one new item costs on the daemon's real path, its keys then FeedStore::ingest with the
// story index, with 10 thousand, 100 thousand and 1 million stories in the story window
// (DESIGN.md "Scale": the same per item, whatever the store holds). Printed, never asserted.
//
//   tributary_ingest_bench [max-stories] [--items N] [--feeds N] [--doc-items N]
//                          [--fill-doc-items N] [--batch N] [--rewrites PERCENT] [--dir DIR] [--keep]
//                          [--perf-fifo CTL[,ACK]] [--profile-size N]
//
//   max-stories      the largest store measured (default 1000000; 100000 for a quick run)
//   --items          new items measured at each size (default 100000)
//   --feeds          feeds the documents come from (default 2000)
//   --doc-items      items per feed document in the measured phase (default 25)
//   --fill-doc-items items per document while filling the store (default 25: the same path)
//   --batch          documents per transaction (default 32, the daemon's largest batch: a busy
//                    daemon's database thread takes that many waiting documents; 1: one each)
//   --rewrites       share of items that rewrite a story already held (default 30)
//   --dir            where the SQLite file goes (default: a new directory under $TMPDIR, removed)
//   --keep           leave the database behind
//   --perf-fifo      perf's control FIFOs: profiling is enabled for the measured phases only, e.g.
//                      mkfifo ctl ack
//                      perf record -g -D -1 --control fifo:ctl,ack -- tributary_ingest_bench 100000
//                        --perf-fifo ctl,ack
//   --profile-size   with --perf-fifo, profile only the measured phase at this size
//
// The path is the daemon's (daemon/app/daemon.cpp): a SQLite file opened with FeedStore::open,
// feeds synced with sync_feeds; per document, dedup::identity_keys, then for the items
// FeedStore::new_or_changed names dedup::add_story_keys (the worker's share; HTML is sanitized
// when an output shows it, not here), and new_or_changed, check_file, FeedStore::ingest with a dedup::StoryEngineIndex
// and a 72 h window, and index.expire(now - 72h) (the database thread's share), the ingests of a batch in one
// transaction (FeedStore::begin_batch, commit_batch); a WAL checkpoint every 100 documents,
// as after a daemon's round. The store is filled through that same path. At each size the store is then closed,
// reopened and its index loaded with load_story_index, as a restarted daemon does.
//
// Costs are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which other work on the machine
// does not stretch, and wall time, which includes waiting for the disk.
//
// Texts are synthetic news, deterministic (fixed seed): 60% English-like, 20% French-like and
// 20% Arabic-script items, from Zipf-distributed vocabularies of 40,000 generated words per
// language plus function words, with capitalised names, places (the lexicon's and generated
// ones), numbers with units and dates. Titles have 6-14 words, leads 30-60. A rewrite takes a
// held story, replaces a third of its words and shuffles them, keeping its names, places,
// numbers and dates; it comes from another site.

#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/story_index.hpp"
#include "core/types.hpp"
#include "dedup/dedup.hpp"
#include "dedup/story_engine.hpp"
#include "dedup/story_features.hpp"
#include "parse/parse_feed.hpp"
#include "store/feed_store.hpp"

namespace {

using namespace tributary;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using Rng = std::mt19937_64;

constexpr Seconds kStoryWindow = 72h;    // the daemon's (daemon/app/daemon.cpp)
constexpr int kDocumentsPerRound = 100;  // a WAL checkpoint after this many documents
// The simulated clock spans at most this, so every story stays in the window to the end.
constexpr double kSimulatedSpan = 66.0 * 3600;

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "tributary_ingest_bench: %s\n", message.c_str());
    std::exit(1);
}

// ------------------------------------------------------------------ clocks ---

double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double monotonic_now() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double wall_now() { return std::chrono::duration<double>(Steady::now().time_since_epoch()).count(); }

struct Cost {
    double cpu = 0, wall = 0;
    Cost& operator+=(const Cost& o) {
        cpu += o.cpu;
        wall += o.wall;
        return *this;
    }
};

class Stopwatch {
public:
    Stopwatch() : cpu_(cpu_now()), wall_(wall_now()) {}
    Cost elapsed() const { return {cpu_now() - cpu_, wall_now() - wall_}; }

private:
    double cpu_, wall_;
};

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

double rss_mb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double file_mb(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    return ec ? 0.0 : static_cast<double>(size) / (1024.0 * 1024.0);
}

// ------------------------------------------------------------------ perf control ---

// perf record --control fifo:CTL,ACK -D -1 starts disabled; we enable it around measured phases.
class PerfControl {
public:
    void open(const std::string& spec) {
        const auto comma = spec.find(',');
        const std::string ctl = spec.substr(0, comma);
        ctl_ = ::open(ctl.c_str(), O_WRONLY | O_CLOEXEC);
        if (ctl_ < 0) die("cannot open " + ctl + ": " + std::strerror(errno));
        if (comma != std::string::npos) {
            const std::string ack = spec.substr(comma + 1);
            ack_ = ::open(ack.c_str(), O_RDONLY | O_CLOEXEC);
            if (ack_ < 0) die("cannot open " + ack + ": " + std::strerror(errno));
        }
    }
    bool active() const { return ctl_ >= 0; }
    void enable() { send("enable\n"); }
    void disable() { send("disable\n"); }

private:
    void send(std::string_view command) {
        if (ctl_ < 0) return;
        if (::write(ctl_, command.data(), command.size()) != static_cast<ssize_t>(command.size()))
            die("cannot write to perf's control FIFO");
        if (ack_ >= 0) {
            std::array<char, 8> buf{};
            if (::read(ack_, buf.data(), buf.size()) <= 0) die("no answer on perf's ack FIFO");
        }
    }
    int ctl_ = -1, ack_ = -1;
};

// ------------------------------------------------------------------ vocabulary ---

enum class Lang : std::uint8_t { en, fr, ar };
constexpr std::array<Lang, 3> kLangs{Lang::en, Lang::fr, Lang::ar};
constexpr std::array<const char*, 3> kLangNames{"en", "fr", "ar"};

std::size_t index_of(Lang lang) { return static_cast<std::size_t>(lang); }

// Ranks drawn with probability proportional to 1 / rank^s.
class Zipf {
public:
    Zipf() = default;
    Zipf(std::size_t n, double s) {
        cumulative_.reserve(n);
        double total = 0;
        for (std::size_t r = 1; r <= n; ++r) cumulative_.push_back(total += 1.0 / std::pow(static_cast<double>(r), s));
    }
    std::size_t operator()(Rng& rng) const {
        const double at = std::uniform_real_distribution<double>(0, cumulative_.back())(rng);
        return static_cast<std::size_t>(std::lower_bound(cumulative_.begin(), cumulative_.end(), at) -
                                        cumulative_.begin());
    }

private:
    std::vector<double> cumulative_;
};

template <typename T>
const T& pick(Rng& rng, const std::vector<T>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

int uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
bool chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

std::vector<std::string> split_words(std::string_view list) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < list.size()) {
        const std::size_t end = std::min(list.find(' ', i), list.size());
        if (end > i) out.emplace_back(list.substr(i, end - i));
        i = end + 1;
    }
    return out;
}

// Distinct pseudo-words from syllables: onset, nucleus, coda, then a suffix.
struct Syllables {
    std::vector<std::string> onsets, nuclei, codas, suffixes;
    int min_syllables = 1, max_syllables = 3;

    std::vector<std::string> words(Rng& rng, std::size_t count, std::size_t min_bytes,
                                   const std::unordered_set<std::string>& avoid) const {
        std::vector<std::string> out;
        std::unordered_set<std::string> seen;
        while (out.size() < count) {
            std::string w;
            const int n = uniform(rng, min_syllables, max_syllables);
            for (int k = 0; k < n; ++k) w += pick(rng, onsets) + pick(rng, nuclei) + pick(rng, codas);
            w += pick(rng, suffixes);
            if (w.size() < min_bytes || w.size() > 24 || avoid.contains(w) || !seen.insert(w).second) continue;
            out.push_back(std::move(w));
        }
        return out;
    }
};

std::string capitalised(std::string w) {
    if (!w.empty() && w[0] >= 'a' && w[0] <= 'z') w[0] = static_cast<char>(w[0] - 'a' + 'A');
    return w;
}

// Arabic words: a root of three letters in a pattern, sometimes with the article or a suffix.
std::vector<std::string> arabic_words(Rng& rng, std::size_t count, bool article,
                                      const std::unordered_set<std::string>& avoid) {
    const std::vector<std::string> letters = split_words("ب ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ ف ق ك ل م ن ه و ي");
    // C stands for the next root letter.
    const std::vector<std::string> patterns = split_words("CCC CاCC CCيC مCCC تCCيC CCاC مCاCC اCCCا CوCC CCوC");
    const std::vector<std::string> suffixes = split_words("- - - ة ات ين ي ية ون");
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    while (out.size() < count) {
        std::array<std::string, 3> root{pick(rng, letters), pick(rng, letters), pick(rng, letters)};
        std::string w;
        std::size_t next = 0;
        for (const char c : pick(rng, patterns)) {
            if (c == 'C') {
                w += root[next++ % 3];
            } else {
                w.push_back(c);
            }
        }
        if (const std::string& s = pick(rng, suffixes); s != "-") w += s;
        if (article && chance(rng, 0.4)) w = "ال" + w;
        if (avoid.contains(w) || !seen.insert(w).second) continue;
        out.push_back(std::move(w));
    }
    return out;
}

// Units, months, weekdays and cues, as each language writes them.
struct Phrasebook {
    std::vector<std::string> months, weekdays, person_cues, place_cues, known_places, sections;
};

struct Language {
    Lang lang;
    std::vector<std::string> words;                          // content words, by Zipf rank
    std::vector<std::string> function;                       // function words, by Zipf rank
    std::vector<std::string> first_names, surnames, places;  // names by Zipf rank
    Zipf word_rank, function_rank, first_rank, surname_rank, place_rank;
    Phrasebook book;
    bool latin() const { return lang != Lang::ar; }
};

Language make_language(Lang lang, Rng& rng) {
    Language l;
    l.lang = lang;
    constexpr std::size_t kWords = 40000;
    if (lang == Lang::en) {
        l.function = split_words(
            "the of and to in a is for on that with by at from as was has have it its an this be are were "
            "after over into about their which who will been under");
        l.book.months = split_words(
            "January February March April May June July August September October November "
            "December");
        l.book.weekdays = split_words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday");
        l.book.person_cues = split_words("Mr. Mrs. Dr. Minister President Coach");
        l.book.known_places = split_words("Casablanca Rabat Tangier Fez Marrakech Agadir Oujda Madrid Paris Brussels");
        l.book.sections = split_words("world politics business sport culture society tech");
    } else if (lang == Lang::fr) {
        l.function = split_words(
            "le la les de des du et à en pour dans sur par un une est qui que au aux avec ce cette son sa ses ont "
            "a été sont plus lors selon après");
        l.book.months = split_words(
            "janvier février mars avril mai juin juillet août septembre octobre novembre "
            "décembre");
        l.book.weekdays = split_words("lundi mardi mercredi jeudi vendredi samedi dimanche");
        l.book.person_cues = split_words("M. Mme ministre président entraîneur");
        l.book.known_places = split_words("Casablanca Rabat Tanger Fès Marrakech Agadir Oujda Kénitra Nador Paris");
        l.book.sections = split_words("maroc monde economie sport culture societe regions");
    } else {
        l.function = split_words(
            "في من إلى على عن مع أن التي الذي هذا هذه بعد قبل خلال حيث كما لكن وفي ومن وعلى كل بين عند منذ");
        l.book.months = split_words("يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر نونبر دجنبر");
        l.book.weekdays = split_words("الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد");
        l.book.person_cues = split_words("السيد السيدة الرئيس اللاعب المدرب الفنان القاضي");
        l.book.place_cues = split_words("مدينة إقليم جهة جماعة منطقة");
        l.book.known_places =
            split_words("الرباط طنجة فاس مراكش أكادير وجدة تطوان مكناس القنيطرة الناظور العيون آسفي الجديدة");
        l.book.sections = split_words("news politique sport economie regions");
    }
    const std::unordered_set<std::string> avoid(l.function.begin(), l.function.end());
    if (lang == Lang::ar) {
        l.words = arabic_words(rng, kWords, true, avoid);
        l.first_names = arabic_words(rng, 3000, false, avoid);
        l.surnames = arabic_words(rng, 30000, false, avoid);
        l.places = arabic_words(rng, 5000, false, avoid);
    } else {
        Syllables s;
        if (lang == Lang::en) {
            s.onsets = split_words(
                "- - b c d f g h j k l m n p r s t v w y br bl cr cl dr fr fl gr gl pr pl sc sk "
                "sl sm sn sp st tr th sh ch wh");
            s.nuclei = split_words("a e i o u a e i o ai ea ee oo ou oa ie");
            s.codas = split_words("- - - n r s t l m d k ng nt nd st rt ck ll");
            s.suffixes = split_words("- - - - s ed ing er ion ly ment ness al ity ive");
        } else {
            s.onsets = split_words("- b c d f g j l m n p r s t v ch br cr dr fr gr pr tr pl cl bl qu");
            s.nuclei = split_words("a e i o u a e i é è ou ai au eau oi an en on in eu ui ie");
            s.codas = split_words("- - - - r s l n t c");
            s.suffixes = split_words(
                "- - - tion ment eur euse ité age ique ais aise é ée er ir oir elle ette isme "
                "iste");
        }
        for (auto* part : {&s.onsets, &s.nuclei, &s.codas, &s.suffixes})
            for (std::string& p : *part)
                if (p == "-") p.clear();
        l.words = s.words(rng, kWords, 3, avoid);
        Syllables names = s;
        names.suffixes = {""};
        names.min_syllables = 2;
        for (std::string& n : l.first_names = names.words(rng, 3000, 4, avoid)) n = capitalised(n);
        for (std::string& n : l.surnames = names.words(rng, 30000, 4, avoid)) n = capitalised(n);
        for (std::string& n : l.places = names.words(rng, 5000, 4, avoid)) n = capitalised(n);
        // Known places come first: the most cited.
        l.places.insert(l.places.begin(), l.book.known_places.begin(), l.book.known_places.end());
    }
    if (lang == Lang::ar) l.places.insert(l.places.begin(), l.book.known_places.begin(), l.book.known_places.end());
    l.word_rank = Zipf(l.words.size(), 1.0);
    l.function_rank = Zipf(l.function.size(), 0.8);
    l.first_rank = Zipf(l.first_names.size(), 0.9);
    l.surname_rank = Zipf(l.surnames.size(), 0.8);
    l.place_rank = Zipf(l.places.size(), 1.0);
    return l;
}

// ------------------------------------------------------------------ stories ---

// A text as tokens: a content word (its rank), a function word, or one of the story's facts (a
// name, a place, a date, a number with its unit), which may be several words.
constexpr std::uint32_t kKindShift = 30;
constexpr std::uint32_t kWord = 0u << kKindShift, kFunction = 1u << kKindShift, kFact = 2u << kKindShift;
constexpr std::uint32_t kValueMask = (1u << kKindShift) - 1;

struct StoryText {
    Lang lang = Lang::en;
    std::vector<std::uint32_t> title, lead;
    std::vector<std::string> facts;
};

std::size_t word_count(std::string_view s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), ' ')) + 1; }

std::string number_text(Lang lang, double v, int decimals) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.*f", decimals, v);
    std::string s = buf.data();
    if (lang != Lang::en) std::replace(s.begin(), s.end(), '.', ',');
    return s;
}

class TextGenerator {
public:
    explicit TextGenerator(Rng& rng) : rng_(rng) {
        for (const Lang lang : kLangs) languages_.push_back(make_language(lang, rng));
    }

    const Language& language(Lang lang) const { return languages_[index_of(lang)]; }

    StoryText story(Lang lang) {
        const Language& l = language(lang);
        StoryText s;
        s.lang = lang;
        const std::size_t person = add_fact(s, person_of(l));
        const std::size_t place = add_fact(s, place_of(l));
        const std::size_t date = add_fact(s, date_of(l));
        std::vector<std::size_t> quantities;
        for (int k = uniform(rng_, 1, 2); k > 0; --k) quantities.push_back(add_fact(s, quantity_of(l)));
        std::optional<std::size_t> second_person;
        if (chance(rng_, 0.5)) second_person = add_fact(s, person_of(l));

        // Headline: a name or a place (or both), maybe a number, among words.
        std::vector<std::size_t> title_facts;
        if (chance(rng_, 0.7)) title_facts.push_back(person);
        if (title_facts.empty() || chance(rng_, 0.5)) title_facts.push_back(place);
        if (chance(rng_, 0.3)) title_facts.push_back(quantities.front());
        s.title = fill(l, s, title_facts, static_cast<std::size_t>(uniform(rng_, 6, 14)), 0.25);

        std::vector<std::size_t> lead_facts{person, place, date};
        lead_facts.insert(lead_facts.end(), quantities.begin(), quantities.end());
        if (second_person) lead_facts.push_back(*second_person);
        s.lead = fill(l, s, lead_facts, static_cast<std::size_t>(uniform(rng_, 30, 60)), 0.4);
        return s;
    }

    // Another site's version: a third of the words replaced, the order shuffled, a few words
    // more or fewer; the facts kept.
    StoryText rewrite(const StoryText& original) {
        const Language& l = language(original.lang);
        StoryText s = original;
        for (auto* part : {&s.title, &s.lead}) {
            for (std::uint32_t& token : *part) {
                if ((token & ~kValueMask) == kFact || !chance(rng_, 1.0 / 3)) continue;
                token = chance(rng_, 0.4) ? kFunction | static_cast<std::uint32_t>(l.function_rank(rng_))
                                          : kWord | static_cast<std::uint32_t>(l.word_rank(rng_));
            }
            std::shuffle(part->begin(), part->end(), rng_);
        }
        for (int k = uniform(rng_, -5, 5); k != 0; k += k > 0 ? -1 : 1) {
            if (k > 0) {
                s.lead.insert(s.lead.begin() + uniform(rng_, 0, static_cast<int>(s.lead.size())),
                              kWord | static_cast<std::uint32_t>(l.word_rank(rng_)));
            } else if (const auto at = std::find_if(s.lead.begin(), s.lead.end(),
                                                    [](std::uint32_t t) { return (t & ~kValueMask) != kFact; });
                       at != s.lead.end() && s.lead.size() > 30) {
                s.lead.erase(at);
            }
        }
        return s;
    }

    std::string title_text(const StoryText& s) const { return render(s, s.title, false); }
    std::string lead_html(const StoryText& s) const { return "<p>" + render(s, s.lead, true) + "</p>"; }

private:
    std::size_t add_fact(StoryText& s, std::string fact) {
        s.facts.push_back(std::move(fact));
        return s.facts.size() - 1;
    }

    std::string person_of(const Language& l) {
        const std::string& surname = l.surnames[l.surname_rank(rng_)];
        const std::string& first = l.first_names[l.first_rank(rng_)];
        if (l.lang == Lang::ar) return pick(rng_, l.book.person_cues) + " " + first + " " + surname;
        if (chance(rng_, 0.2)) return pick(rng_, l.book.person_cues) + " " + surname;
        return first + " " + surname;
    }

    std::string place_of(const Language& l) {
        const std::string& place = l.places[l.place_rank(rng_)];
        if (l.lang == Lang::ar && chance(rng_, 0.6)) return pick(rng_, l.book.place_cues) + " " + place;
        return place;
    }

    std::string date_of(const Language& l) {
        const int day = uniform(rng_, 1, 28);
        const std::string& month = pick(rng_, l.book.months);
        const std::string weekday = chance(rng_, 0.4) ? pick(rng_, l.book.weekdays) + " " : "";
        if (l.lang == Lang::en) return weekday + month + " " + std::to_string(day);
        return weekday + std::to_string(day) + " " + month;
    }

    std::string quantity_of(const Language& l) {
        const int kind = uniform(rng_, 0, 6);
        const int n = uniform(rng_, 2, 950);
        const std::string value = number_text(l.lang, uniform(rng_, 10, 990) / 10.0, 1);
        const std::string magnitude = number_text(l.lang, uniform(rng_, 30, 75) / 10.0, 1);
        static constexpr std::array<std::array<const char*, 7>, 3> kUnits{{
            {"km", "percent", "million dollars", "years", "magnitude", "tonnes", "people"},
            {"km", "%", "millions de dirhams", "ans", "magnitude", "tonnes", "personnes"},
            {"كلم", "بالمائة", "مليون درهم", "عاما", "بقوة", "طن", "شخصا"},
        }};
        const char* unit = kUnits[index_of(l.lang)][static_cast<std::size_t>(kind)];
        switch (kind) {
            case 1:
            case 2: return value + " " + unit;
            case 4: return std::string(unit) + " " + magnitude;
            default: return std::to_string(n) + " " + unit;
        }
    }

    // Tokens: the facts at random places among words, about `words` words long.
    std::vector<std::uint32_t> fill(const Language& l, const StoryText& s, const std::vector<std::size_t>& facts,
                                    std::size_t words, double function_share) {
        std::vector<std::uint32_t> out;
        std::size_t used = 0;
        for (const std::size_t f : facts) {
            out.push_back(kFact | static_cast<std::uint32_t>(f));
            used += word_count(s.facts[f]);
        }
        while (used < words) {
            out.push_back(chance(rng_, function_share) ? kFunction | static_cast<std::uint32_t>(l.function_rank(rng_))
                                                       : kWord | static_cast<std::uint32_t>(l.word_rank(rng_)));
            ++used;
        }
        std::shuffle(out.begin(), out.end(), rng_);
        return out;
    }

    std::string render(const StoryText& s, const std::vector<std::uint32_t>& tokens, bool sentences) const {
        const Language& l = language(s.lang);
        std::string out;
        std::size_t in_sentence = 0;
        std::size_t sentence_length = 14;
        for (std::size_t k = 0; k < tokens.size(); ++k) {
            const std::uint32_t t = tokens[k];
            const std::uint32_t v = t & kValueMask;
            std::string word = (t & ~kValueMask) == kFact       ? s.facts[v]
                               : (t & ~kValueMask) == kFunction ? l.function[v]
                                                                : l.words[v];
            if (in_sentence == 0 && l.latin()) word = capitalised(std::move(word));
            if (!out.empty()) out.push_back(' ');
            out += word;
            ++in_sentence;
            const bool last = k + 1 == tokens.size();
            if (sentences && (last || in_sentence >= sentence_length)) {
                out += ".";
                in_sentence = 0;
                sentence_length = 10 + (v % 12);  // varies, deterministically
            } else if (!last && (t & ~kValueMask) == kWord && v % 17 == 5) {
                out += l.latin() ? "," : "،";
            }
        }
        return out;
    }

    Rng& rng_;
    std::vector<Language> languages_;
};

// ------------------------------------------------------------------ feeds ---

struct Feed {
    std::string name;
    std::string host;
    Lang lang = Lang::en;
    bool guid_is_link = true;  // else a ?p=N permalink as guid
    bool tracking = false;     // links carry utm_* parameters
    std::int64_t next_id = 1;
    FeedState state;
};

std::vector<Feed> make_feeds(std::size_t count) {
    std::vector<Feed> feeds;
    for (std::size_t k = 0; k < count; ++k) {
        Feed f;
        // 60% English-like, 20% French, 20% Arabic.
        f.lang = k % 5 == 0 ? Lang::ar : k % 5 == 1 ? Lang::fr : Lang::en;
        std::array<char, 32> name{};
        std::snprintf(name.data(), name.size(), "site-%04zu-%s", k, kLangNames[index_of(f.lang)]);
        f.name = name.data();
        f.host = "www." + f.name + (f.lang == Lang::en ? ".com" : ".ma");
        f.guid_is_link = k % 3 != 0;
        f.tracking = k % 7 == 0;
        f.next_id = 100000 + static_cast<std::int64_t>(k) * 7;
        f.state.name = f.name;
        f.state.url = "https://" + f.host + "/feed";
        feeds.push_back(std::move(f));
    }
    return feeds;
}

// ------------------------------------------------------------------ index probe ---

// The daemon's index, as it is, with a note of the stories each ingest adds (by item key), so
// that the bench knows which story a rewrite should join, and of the CPU time spent inside
// match() and add() (two clock readings each, well under a microsecond). Forwards everything.
class NotingIndex final : public StoryIndex {
public:
    explicit NotingIndex(dedup::StoryEngineIndex& inner) : inner_(&inner) {}

    bool add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) override {
        const double start = cpu_now();
        const bool added = inner_->add(story_id, keys, time, arrived);
        add_cpu_ += cpu_now() - start;
        if (added) added_.emplace_back(keys.item_key, story_id);
        return added;
    }
    void remove(std::int64_t story_id) override { inner_->remove(story_id); }
    std::size_t expire(SysTime arrived_before) override { return inner_->expire(arrived_before); }
    std::size_t size() const override { return inner_->size(); }
    std::optional<StoryMatch> match(const ItemKeys& keys, const ParsedItem& item, SysTime time,
                                    Seconds window) const override {
        const double start = cpu_now();
        auto found = inner_->match(keys, item, time, window);
        match_cpu_ += cpu_now() - start;
        ++matches_;
        return found;
    }
    std::string features_of(const ParsedItem& item) const override { return inner_->features_of(item); }

    std::vector<std::pair<std::string, std::int64_t>>& added() { return added_; }
    const dedup::StoryEngine& engine() const { return inner_->engine(); }
    // CPU seconds inside match() and add(), and match() calls, since the last take.
    struct Spent {
        double match_cpu = 0, add_cpu = 0;
        std::size_t matches = 0;
    };
    Spent take_spent() {
        const Spent out{match_cpu_, add_cpu_, matches_};
        match_cpu_ = add_cpu_ = 0;
        matches_ = 0;
        return out;
    }

private:
    dedup::StoryEngineIndex* inner_;
    std::vector<std::pair<std::string, std::int64_t>> added_;
    mutable double match_cpu_ = 0;
    double add_cpu_ = 0;
    mutable std::size_t matches_ = 0;
};

// ------------------------------------------------------------------ the run ---

struct Options {
    std::size_t max_stories = 1000000;
    std::size_t items = 100000;
    std::size_t feeds = 2000;
    std::size_t doc_items = 25;
    std::size_t fill_doc_items = 25;
    std::size_t batch = 32;
    double rewrites = 0.30;
    std::filesystem::path dir;
    bool keep = false;
    std::string perf_fifo;
    std::size_t profile_size = 0;  // 0: every size
};

// What one run of documents did.
struct Phase {
    std::size_t items = 0, documents = 0;
    Cost keys, ingest, checkpoint;  // compute_keys; check_file + ingest + expire; checkpoints
    Cost first_tenth;               // keys + ingest of the first tenth of the items
    std::size_t rewrites = 0, rewrites_joined = 0, rewrites_elsewhere = 0;
    std::size_t originals = 0, originals_joined = 0;
    std::size_t new_items = 0, duplicates = 0, expired = 0;
    std::size_t candidate_samples = 0, candidates = 0, postings = 0;
    std::size_t stories_before = 0, stories_after = 0;
    double sim_from = 0, sim_to = 0;    // hours on the simulated clock
    double match_cpu = 0, add_cpu = 0;  // of ingest: inside index.match() and index.add()
    std::size_t matches = 0;            // index.match() calls (new items without a known URL)

    double per_item_us(const Cost& c, bool cpu) const {
        return items == 0 ? 0 : (cpu ? c.cpu : c.wall) / static_cast<double>(items) * 1e6;
    }
    Cost db() const {
        Cost c = ingest;
        c += checkpoint;
        return c;
    }
    Cost total() const {
        Cost c = keys;
        c += db();
        return c;
    }
};

struct SizeResult {
    std::size_t target = 0;
    Phase fill, measured;
    double fill_seconds = 0;
    double open_seconds = 0, load_seconds = 0, load_cpu = 0;
    std::size_t loaded = 0, held_before_restart = 0;
    double peak_rss = 0, rss_after_load = 0, db_mb = 0;
};

// A story held, to rewrite: its text, the feed that carried it and the story it is.
struct Held {
    StoryText text;
    std::size_t feed = 0;
    std::int64_t story_id = 0;
};

class Bench {
public:
    explicit Bench(Options options)
        : options_(std::move(options)), rng_(20251229), text_(rng_), feeds_(make_feeds(options_.feeds)) {
        for (const Lang lang : kLangs) {
            const std::size_t share = lang == Lang::en ? 3 : 1;
            reservoir_cap_[index_of(lang)] = 6000 * share;
        }
        if (!options_.perf_fifo.empty()) perf_.open(options_.perf_fifo);
    }

    int run() {
        namespace fs = std::filesystem;
        bool made_dir = false;
        if (options_.dir.empty()) {
            std::string pattern = (fs::temp_directory_path() / "tributary-ingest-bench-XXXXXX").string();
            if (::mkdtemp(pattern.data()) == nullptr) die("mkdtemp: " + std::string(std::strerror(errno)));
            options_.dir = pattern;
            made_dir = true;
        } else {
            fs::create_directories(options_.dir);
        }
        db_path_ = options_.dir / "tributary.db";

        std::vector<std::size_t> sizes;
        for (std::size_t s = 10000; s <= options_.max_stories; s *= 10) sizes.push_back(s);
        if (sizes.empty()) sizes.push_back(options_.max_stories);

        // The simulated clock: one pace for the whole run, so that the largest store and its
        // measured items all fit in the window (fills also bring rewrites: stories / (1 - share)).
        const double fill_items = static_cast<double>(sizes.back()) / (1.0 - options_.rewrites * 0.9) * 1.05;
        const double total_items = fill_items + static_cast<double>(options_.items * sizes.size());
        seconds_per_item_ = kSimulatedSpan / total_items;

        std::printf(
            "tributary_ingest_bench: %zu new items measured per size; documents of %zu items (filling: %zu) from "
            "%zu feeds (60%% English-like, 20%% French, 20%% Arabic); %.0f%% of items rewrite a story held\n",
            options_.items, options_.doc_items, options_.fill_doc_items, options_.feeds, options_.rewrites * 100);
        std::printf(
            "path: dedup::identity_keys, then for the items FeedStore::new_or_changed names add_story_keys "
            "(worker's share); new_or_changed, check_file, FeedStore::ingest with "
            "dedup::StoryEngineIndex, %lldh window, index.expire (database thread's share), up to %zu "
            "documents a transaction; WAL checkpoint every %d documents\n",
            static_cast<long long>(std::chrono::duration_cast<std::chrono::hours>(kStoryWindow).count()),
            options_.batch, kDocumentsPerRound);
        std::printf("store: SQLite file %s (WAL, synchronous=NORMAL); simulated clock advances %.2f s per item\n",
                    db_path_.string().c_str(), seconds_per_item_);
        std::printf("costs per item: thread CPU time (wall time in brackets)\n\n");

        open_store();
        std::vector<FeedSpec> specs;
        for (const Feed& f : feeds_) {
            FeedSpec spec;
            spec.name = f.name;
            spec.url = f.state.url;
            specs.push_back(std::move(spec));
        }
        if (auto r = store_->sync_feeds(specs, now()); !r) die(r.error().message);
        index_ = std::make_unique<dedup::StoryEngineIndex>();
        noting_ = std::make_unique<NotingIndex>(*index_);

        std::vector<SizeResult> results;
        for (const std::size_t target : sizes) {
            SizeResult r;
            r.target = target;
            const double fill_start = wall_now();
            r.fill = run_documents(0, options_.fill_doc_items, target, false);
            r.fill_seconds = wall_now() - fill_start;
            print_fill(r);

            const bool profiled = options_.profile_size == 0 || options_.profile_size == target;
            if (profiled) perf_.enable();
            const double profile_from = monotonic_now();
            r.measured = run_documents(options_.items, options_.doc_items, 0, true);
            const double profile_to = monotonic_now();
            if (profiled) perf_.disable();
            if (profiled && perf_.active())
                std::printf(
                    "  perf: measured from %.6f to %.6f (CLOCK_MONOTONIC; perf record -k CLOCK_MONOTONIC, "
                    "perf report --time %.6f,%.6f)\n",
                    profile_from, profile_to, profile_from, profile_to);
            print_phase(r.measured);

            restart(r);
            r.db_mb = file_mb(db_path_) + file_mb(fs::path(db_path_.string() + "-wal"));
            r.peak_rss = peak_rss_mb();
            r.rss_after_load = rss_mb();
            std::printf(
                "  restart: open %.2f s, load_story_index %.2f s (CPU %.2f s) for %zu stories (%zu held before); "
                "RSS %.0f MB, peak RSS %.0f MB; database %.0f MB\n\n",
                r.open_seconds, r.load_seconds, r.load_cpu, r.loaded, r.held_before_restart, r.rss_after_load,
                r.peak_rss, r.db_mb);
            std::fflush(stdout);
            results.push_back(std::move(r));
        }
        print_summary(results);

        store_.reset();
        if (made_dir && !options_.keep) {
            std::error_code ec;
            fs::remove_all(options_.dir, ec);
        } else {
            std::printf("database kept in %s\n", options_.dir.string().c_str());
        }
        return 0;
    }

private:
    SysTime now() const {
        const SysTime start{std::chrono::sys_days{std::chrono::year{2025} / 12 / 1} + 6h};
        return start + Seconds{static_cast<long long>(sim_seconds_)};
    }

    void open_store() {
        auto opened = store::FeedStore::open(db_path_);
        if (!opened) die(opened.error().message);
        store_ = std::make_unique<store::FeedStore>(std::move(*opened));
    }

    // The daemon's restart: a new connection and a new index, filled from persisted features.
    void restart(SizeResult& r) {
        r.held_before_restart = index_->size();
        noting_.reset();
        index_.reset();
        store_.reset();
        Stopwatch opening;
        open_store();
        r.open_seconds = opening.elapsed().wall;
        index_ = std::make_unique<dedup::StoryEngineIndex>();
        Stopwatch loading;
        auto loaded = store_->load_story_index(*index_, now() - kStoryWindow);
        const Cost took = loading.elapsed();
        if (!loaded) die(loaded.error().message);
        r.load_seconds = took.wall;
        r.load_cpu = took.cpu;
        r.loaded = loaded->stories;
        noting_ = std::make_unique<NotingIndex>(*index_);
    }

    // Documents until `items` items were ingested, or (items == 0) until the index holds
    // `stories` stories.
    Phase run_documents(std::size_t items, std::size_t doc_items, std::size_t stories, bool measured) {
        Phase p;
        p.stories_before = index_->size();
        p.sim_from = sim_seconds_ / 3600;
        noting_->take_spent();
        const std::size_t tenth = items / 10;
        std::vector<std::optional<std::size_t>> reservoir_slot;  // per item of the document
        std::vector<std::int64_t> expected;                      // per item: the story a rewrite should join
        std::vector<Held> pending;                               // originals that enter the reservoir
        ParsedFeed doc;
        while (items > 0 ? p.items < items : index_->size() < stories) {
            const std::size_t n = items > 0 ? std::min(doc_items, items - p.items) : doc_items;
            sim_seconds_ += seconds_per_item_ * static_cast<double>(n);
            const SysTime at = now();
            const std::size_t feed_index = std::uniform_int_distribution<std::size_t>(0, feeds_.size() - 1)(rng_);
            Feed& feed = feeds_[feed_index];
            build_document(feed, feed_index, n, at, doc, reservoir_slot, expected, pending);

            // The daemon's path (app/daemon.cpp): identities on a worker, which items are new or
            // changed on the database thread, their story features on a worker, then the ingest.
            Stopwatch identity_watch;
            std::vector<ItemKeys> keys = dedup::identity_keys(doc.items);
            Cost keys_cost = identity_watch.elapsed();
            Stopwatch wanted_watch;
            auto wanted = store_->new_or_changed(feed.state.name, keys);
            if (!wanted) die(wanted.error().message);
            const Cost wanted_cost = wanted_watch.elapsed();
            Stopwatch prepare_watch;
            for (std::size_t i = 0; i < doc.items.size(); ++i)
                if ((*wanted)[i]) dedup::add_story_keys(keys[i], doc.items[i]);
            keys_cost += prepare_watch.elapsed();

            if (measured && p.documents % 20 == 0) sample_candidates(p, keys.front(), doc.items.front(), at);

            // The database thread's share, as the daemon's lambda runs it.
            noting_->added().clear();
            feed.state.last_fetch = at;
            feed.state.last_success = at;
            feed.state.last_outcome = "fetched";
            feed.state.http_status = 200;
            feed.state.next_due = at + 15min;
            Stopwatch ingest_watch;
            if (documents_in_batch_ == 0) {
                if (auto ours = store_->check_file(); !ours) die(ours.error().message);
                if (auto begun = store_->begin_batch(); !begun) die(begun.error().message);
            }
            auto ingested = store_->ingest(feed.state, doc, keys, *noting_, at, kStoryWindow);
            // A checkpoint waits for no transaction: the batch ends before one is due.
            if (++documents_in_batch_ == options_.batch || documents_since_checkpoint_ + 1 == kDocumentsPerRound)
                commit_batch();
            const std::size_t expired = noting_->expire(at - kStoryWindow);
            Cost ingest_cost = ingest_watch.elapsed();
            ingest_cost += wanted_cost;
            if (!ingested) die(ingested.error().message);
            ++p.documents;

            Cost checkpoint_cost;
            if (++documents_since_checkpoint_ == kDocumentsPerRound) {
                documents_since_checkpoint_ = 0;
                Stopwatch checkpoint_watch;
                auto r = store_->checkpoint();
                checkpoint_cost = checkpoint_watch.elapsed();
                if (!r) die(r.error().message);
            }

            p.keys += keys_cost;
            p.ingest += ingest_cost;
            p.checkpoint += checkpoint_cost;
            if (p.items < tenth) {
                p.first_tenth += keys_cost;
                p.first_tenth += ingest_cost;
                p.first_tenth += checkpoint_cost;
            }
            const NotingIndex::Spent spent = noting_->take_spent();
            p.match_cpu += spent.match_cpu;
            p.add_cpu += spent.add_cpu;
            p.matches += spent.matches;
            p.items += n;
            p.expired += expired;
            p.new_items += static_cast<std::size_t>(ingested->new_items);
            p.duplicates += static_cast<std::size_t>(ingested->duplicate_items);
            account(p, doc, keys, *ingested, reservoir_slot, expected, pending);
        }
        if (documents_in_batch_ > 0) {
            Stopwatch commit_watch;
            commit_batch();
            p.ingest += commit_watch.elapsed();
        }
        p.stories_after = index_->size();
        p.sim_to = sim_seconds_ / 3600;
        return p;
    }

    void commit_batch() {
        documents_in_batch_ = 0;
        if (auto committed = store_->commit_batch(); !committed) die(committed.error().message);
    }

    // A feed's next document: n items, newest first, dated within the last three hours.
    void build_document(Feed& feed, std::size_t feed_index, std::size_t n, SysTime at, ParsedFeed& doc,
                        std::vector<std::optional<std::size_t>>& reservoir_slot, std::vector<std::int64_t>& expected,
                        std::vector<Held>& pending) {
        doc = ParsedFeed{};
        doc.format = FeedFormat::rss;
        doc.version = "2.0";
        doc.title = feed.name;
        doc.link = "https://" + feed.host + "/";
        doc.language = kLangNames[index_of(feed.lang)];
        reservoir_slot.assign(n, std::nullopt);
        expected.assign(n, 0);
        pending.clear();
        const Language& l = text_.language(feed.lang);
        std::vector<Held>& held = reservoir_[index_of(feed.lang)];
        std::vector<Seconds> ages;
        for (std::size_t k = 0; k < n; ++k) ages.push_back(Seconds{uniform(rng_, 0, 3 * 3600)});
        std::sort(ages.begin(), ages.end());
        for (std::size_t k = 0; k < n; ++k) {
            StoryText story;
            const Held* original = nullptr;
            if (!held.empty() && chance(rng_, options_.rewrites)) {
                original = &pick(rng_, held);
                if (original->feed == feed_index) original = nullptr;  // a site does not rewrite itself
            }
            if (original) {
                story = text_.rewrite(original->text);
                expected[k] = original->story_id > 0 ? original->story_id : -1;
            } else {
                story = text_.story(feed.lang);
                // Reservoir sampling: every original has the same chance to be kept for rewrites.
                std::uint64_t& seen = reservoir_seen_[index_of(feed.lang)];
                ++seen;
                const std::size_t cap = reservoir_cap_[index_of(feed.lang)];
                if (held.size() < cap) {
                    reservoir_slot[k] = held.size();
                    held.push_back(Held{});
                } else if (const auto j = std::uniform_int_distribution<std::uint64_t>(0, seen - 1)(rng_); j < cap) {
                    reservoir_slot[k] = static_cast<std::size_t>(j);
                }
                if (reservoir_slot[k]) pending.push_back(Held{.text = story, .feed = feed_index, .story_id = 0});
            }

            ParsedItem item;
            const std::int64_t id = feed.next_id++;
            const std::string section = pick(rng_, l.book.sections);
            if (feed.lang == Lang::ar) {
                item.link = "https://" + feed.host + "/" + section + "/" + std::to_string(id) + ".html";
            } else {
                std::string slug;
                for (std::size_t w = 0; w < 6 && w < story.title.size(); ++w) {
                    const std::uint32_t t = story.title[w];
                    if ((t & ~kValueMask) != kWord) continue;
                    if (!slug.empty()) slug.push_back('-');
                    slug += l.words[t & kValueMask];
                }
                item.link = "https://" + feed.host + "/" + section + "/" + slug + "-" + std::to_string(id);
            }
            if (feed.tracking) item.link += "?utm_source=rss&utm_medium=feed";
            item.id = feed.guid_is_link ? item.link : "https://" + feed.host + "/?p=" + std::to_string(id);
            item.title = text_.title_text(story);
            item.summary = text_.lead_html(story);
            item.categories.push_back(section);
            if (chance(rng_, 0.3))
                item.author = l.first_names[l.first_rank(rng_)] + " " + l.surnames[l.surname_rank(rng_)];
            item.published = at - ages[k];
            doc.items.push_back(std::move(item));
        }
    }

    // Which story each rewrite joined, which originals joined one, and the stories of the
    // originals kept for later rewrites.
    void account(Phase& p, const ParsedFeed& doc, const std::vector<ItemKeys>& keys, const IngestResult& result,
                 const std::vector<std::optional<std::size_t>>& reservoir_slot,
                 const std::vector<std::int64_t>& expected, std::vector<Held>& pending) {
        std::unordered_map<std::string_view, std::int64_t> joined;
        for (const IngestResult::Join& j : result.joins) joined.emplace(j.link, j.story_id);
        std::unordered_map<std::string_view, std::int64_t> started;
        for (const auto& [key, id] : noting_->added()) started.emplace(key, id);
        std::size_t next_pending = 0;
        std::vector<Held>& held = reservoir_[index_of(lang_of(doc))];
        for (std::size_t k = 0; k < doc.items.size(); ++k) {
            const auto j = joined.find(doc.items[k].link);
            if (expected[k] != 0) {
                ++p.rewrites;
                if (j != joined.end()) ++(j->second == expected[k] ? p.rewrites_joined : p.rewrites_elsewhere);
                continue;
            }
            ++p.originals;
            if (j != joined.end()) ++p.originals_joined;
            if (!reservoir_slot[k]) continue;
            Held& h = pending[next_pending++];
            if (j != joined.end()) {
                h.story_id = j->second;
            } else if (const auto s = started.find(keys[k].item_key); s != started.end()) {
                h.story_id = s->second;
            }
            held[*reservoir_slot[k]] = std::move(h);
        }
    }

    Lang lang_of(const ParsedFeed& doc) const {
        for (const Lang lang : kLangs)
            if (doc.language == kLangNames[index_of(lang)]) return lang;
        return Lang::en;
    }

    // How many stories the engine scores for one item, and how many posting entries it reads to
    // find them: what bounds the cost of a match. Every 20th document, outside the timed work.
    void sample_candidates(Phase& p, const ItemKeys& keys, const ParsedItem& item, SysTime at) {
        const auto features = dedup::deserialize(keys.features);
        if (!features) return;
        const SysTime time = std::min(item.published.value_or(at), at);
        const dedup::StoryEngine::Candidates c = noting_->engine().candidates(*features, time, kStoryWindow);
        p.candidates += c.stories.size();
        p.postings += c.postings_read;
        ++p.candidate_samples;
    }

    void print_fill(const SizeResult& r) const {
        const Phase& f = r.fill;
        std::printf(
            "%zu stories: filled through FeedStore::ingest with %zu items in %zu documents of %zu in %.0f s "
            "(%.0f items/s; per item %.0f µs CPU: keys %.0f, ingest %.0f); %zu stories held, %.1f h simulated\n",
            r.target, f.items, f.documents, options_.fill_doc_items, r.fill_seconds,
            r.fill_seconds > 0 ? static_cast<double>(f.items) / r.fill_seconds : 0.0, f.per_item_us(f.total(), true),
            f.per_item_us(f.keys, true), f.per_item_us(f.db(), true), f.stories_after, f.sim_to);
        std::fflush(stdout);
    }

    void print_phase(const Phase& p) const {
        std::printf(
            "  measured: %zu items in %zu documents, stories %zu -> %zu, simulated %.1f h -> %.1f h\n"
            "    per item: keys %.1f µs (%.1f), ingest %.1f µs (%.1f) of which checkpoints %.1f (%.1f), "
            "total %.1f µs (%.1f); first tenth %.1f µs (%.1f)\n"
            "    ingest CPU per item: index.match %.1f µs (%zu calls, %.1f µs each), index.add %.1f µs, the rest "
            "(SQLite, expire) %.1f µs\n"
            "    items: %zu new stories, %zu joined one; rewrites %zu: %.1f%% joined their story, %.1f%% another, "
            "originals joined a story %.2f%%; per item %.1f candidates scored, %.0f posting entries read; expired "
            "%zu\n",
            p.items, p.documents, p.stories_before, p.stories_after, p.sim_from, p.sim_to, p.per_item_us(p.keys, true),
            p.per_item_us(p.keys, false), p.per_item_us(p.db(), true), p.per_item_us(p.db(), false),
            p.per_item_us(p.checkpoint, true), p.per_item_us(p.checkpoint, false), p.per_item_us(p.total(), true),
            p.per_item_us(p.total(), false), first_tenth_us(p, true), first_tenth_us(p, false),
            p.per_item_us(Cost{p.match_cpu, 0}, true), p.matches,
            p.matches ? p.match_cpu / static_cast<double>(p.matches) * 1e6 : 0.0,
            p.per_item_us(Cost{p.add_cpu, 0}, true),
            p.per_item_us(Cost{p.ingest.cpu - p.match_cpu - p.add_cpu, 0}, true), p.new_items, p.duplicates, p.rewrites,
            percent(p.rewrites_joined, p.rewrites), percent(p.rewrites_elsewhere, p.rewrites),
            percent(p.originals_joined, p.originals), per_sample(p.candidates, p), per_sample(p.postings, p),
            p.expired);
        std::fflush(stdout);
    }

    static double per_sample(std::size_t total, const Phase& p) {
        return p.candidate_samples ? static_cast<double>(total) / static_cast<double>(p.candidate_samples) : 0.0;
    }

    static double percent(std::size_t part, std::size_t whole) {
        return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
    }

    void print_summary(const std::vector<SizeResult>& results) const {
        // CPU: keys = compute_keys; ingest = check_file + ingest + expire + checkpoints, of which match =
        // inside index.match() and other = the rest (SQLite, index.add).
        std::printf("%-8s %8s | %6s %6s %6s %6s %6s %6s | %6s %6s %6s | %7s %7s %7s | %7s %6s %5s | %5s %6s %6s %6s\n",
                    "stories", "held", "keys", "match", "other", "ingest", "total", "first", "keys", "ingest", "total",
                    "items/s", "items/s", "items/s", "rewrite", "false", "post-", "fill", "load", "peak", "db");
        std::printf("%-8s %8s | %41s | %20s | %7s %7s %7s | %7s %6s %5s | %5s %6s %6s %6s\n", "", "at start",
                    "µs/item, thread CPU (first: first 10%)", "µs/item, wall", "CPU", "wall", "2 thr.", "joined",
                    "merges", "ings", "s", "s", "RSS MB", "MB");
        for (const SizeResult& r : results) {
            const Phase& p = r.measured;
            const double total_cpu = p.per_item_us(p.total(), true);
            const double total_wall = p.per_item_us(p.total(), false);
            const double match = p.per_item_us(Cost{p.match_cpu, 0}, true);
            // Keys on a worker, ingest on the database thread: the slower of the two bounds it.
            const double pipelined = 1e6 / std::max({p.per_item_us(p.keys, false), p.per_item_us(p.db(), false), 1e-9});
            std::printf(
                "%-8zu %8zu | %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f | %6.1f %6.1f %6.1f | %7.0f %7.0f %7.0f | %6.1f%% "
                "%5.2f%% %5.0f | %5.0f %6.2f %6.0f %6.0f\n",
                r.target, p.stories_before, p.per_item_us(p.keys, true), match, p.per_item_us(p.db(), true) - match,
                p.per_item_us(p.db(), true), total_cpu, first_tenth_us(p, true), p.per_item_us(p.keys, false),
                p.per_item_us(p.db(), false), total_wall, 1e6 / total_cpu, 1e6 / total_wall, pipelined,
                percent(p.rewrites_joined, p.rewrites), percent(p.originals_joined, p.originals),
                per_sample(p.postings, p), r.fill_seconds, r.load_seconds, r.peak_rss, r.db_mb);
        }
        if (results.size() >= 2) {
            const Phase& a = results.front().measured;
            const Phase& b = results.back().measured;
            const auto ratio = [](double x, double y) { return x / std::max(y, 1e-9); };
            std::printf(
                "flatness, per-item cost at %zu over %zu stories: keys x%.2f, match x%.2f, ingest x%.2f, total x%.2f, "
                "total in the first 10%% x%.2f (CPU); ingest x%.2f, total x%.2f (wall)\n",
                results.back().target, results.front().target,
                ratio(b.per_item_us(b.keys, true), a.per_item_us(a.keys, true)),
                ratio(b.per_item_us(Cost{b.match_cpu, 0}, true), a.per_item_us(Cost{a.match_cpu, 0}, true)),
                ratio(b.per_item_us(b.db(), true), a.per_item_us(a.db(), true)),
                ratio(b.per_item_us(b.total(), true), a.per_item_us(a.total(), true)),
                ratio(first_tenth_us(b, true), first_tenth_us(a, true)),
                ratio(b.per_item_us(b.db(), false), a.per_item_us(a.db(), false)),
                ratio(b.per_item_us(b.total(), false), a.per_item_us(a.total(), false)));
        }
        std::printf("goal: >= 20000 items/s, flat per-item cost\n");
    }

    static double first_tenth_us(const Phase& p, bool cpu) {
        const double n = static_cast<double>(std::max<std::size_t>(p.items / 10, 1));
        return (cpu ? p.first_tenth.cpu : p.first_tenth.wall) / n * 1e6;
    }

    Options options_;
    Rng rng_;
    TextGenerator text_;
    std::vector<Feed> feeds_;
    std::array<std::vector<Held>, 3> reservoir_;
    std::array<std::uint64_t, 3> reservoir_seen_{};
    std::array<std::size_t, 3> reservoir_cap_{};
    std::filesystem::path db_path_;
    std::unique_ptr<store::FeedStore> store_;
    std::unique_ptr<dedup::StoryEngineIndex> index_;
    std::unique_ptr<NotingIndex> noting_;
    PerfControl perf_;
    double sim_seconds_ = 0;
    double seconds_per_item_ = 1;
    int documents_since_checkpoint_ = 0;
    std::size_t documents_in_batch_ = 0;  // ingested since begin_batch
};

std::size_t number_arg(int argc, char** argv, int& i) {
    if (i + 1 >= argc) die(std::string(argv[i]) + " needs a value");
    char* end = nullptr;
    const unsigned long long v = std::strtoull(argv[++i], &end, 10);
    if (end == argv[i] || *end != '\0') die(std::string(argv[i - 1]) + ": not a number: " + argv[i]);
    return static_cast<std::size_t>(v);
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--items") {
            options.items = number_arg(argc, argv, i);
        } else if (arg == "--feeds") {
            options.feeds = number_arg(argc, argv, i);
        } else if (arg == "--doc-items") {
            options.doc_items = number_arg(argc, argv, i);
        } else if (arg == "--fill-doc-items") {
            options.fill_doc_items = number_arg(argc, argv, i);
        } else if (arg == "--batch") {
            options.batch = number_arg(argc, argv, i);
        } else if (arg == "--rewrites") {
            options.rewrites = static_cast<double>(number_arg(argc, argv, i)) / 100.0;
        } else if (arg == "--dir" && i + 1 < argc) {
            options.dir = argv[++i];
        } else if (arg == "--keep") {
            options.keep = true;
        } else if (arg == "--perf-fifo" && i + 1 < argc) {
            options.perf_fifo = argv[++i];
        } else if (arg == "--profile-size") {
            options.profile_size = number_arg(argc, argv, i);
        } else if (!arg.empty() && arg[0] != '-') {
            char* end = nullptr;
            options.max_stories = std::strtoull(argv[i], &end, 10);
            if (end == argv[i] || *end != '\0') die("not a number of stories: " + std::string(arg));
        } else {
            std::fprintf(
                stderr,
                "usage: tributary_ingest_bench [max-stories] [--items N] [--feeds N] [--doc-items N] "
                "[--fill-doc-items N] [--batch N] [--rewrites PERCENT] [--dir DIR] [--keep] [--perf-fifo CTL[,ACK]] "
                "[--profile-size N]\n");
            return 2;
        }
    }
    if (options.items == 0 || options.feeds < 2 || options.doc_items == 0 || options.fill_doc_items == 0 ||
        options.batch == 0 || options.rewrites >= 1.0 || options.max_stories == 0)
        die("--items, --doc-items, --fill-doc-items, --batch and max-stories must be positive, --feeds at least 2, "
            "--rewrites below 100");
    return Bench(std::move(options)).run();
}

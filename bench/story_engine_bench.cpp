// What one StoryEngine::match costs with 10 thousand, 100 thousand and 1 million stories held
// (DESIGN.md "Scale": the same, whatever the store holds), and what add, expire and
// extract_features cost. Printed, never asserted: machines differ.
//
//   tributary_story_engine_bench [max-stories]      (default 1000000)
//
// Match times are this thread's CPU time, so that other work on the machine does not count.
//
// Stories are synthetic features, not texts, so that a million can be made in seconds: words
// drawn from a Zipf law over a 200,000-word vocabulary (few words very common, most rare, as in
// news), four names from half a million, a date. Half the items matched rewrite a story held
// (a third of its words replaced), half are new.

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dedup/story_engine.hpp"
#include "dedup/story_features.hpp"

namespace {

using namespace tributary;
using namespace tributary::dedup;
using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) { return std::chrono::duration<double>(Steady::now() - start).count(); }

// This thread's CPU time: a busy machine (other builds) stretches wall time, not this.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double resident_mb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

class Generator {
public:
    explicit Generator(unsigned seed) : random_(seed) {
        // Zipf(1) over the vocabulary, by inverting its cumulative weights.
        double total = 0;
        cumulative_.reserve(kVocabulary);
        for (int rank = 1; rank <= kVocabulary; ++rank) cumulative_.push_back(total += 1.0 / rank);
    }

    StoryFeatures story() {
        StoryFeatures f;
        f.language = "fr";
        std::map<std::string, std::uint32_t> title, lead;
        for (int k = 0; k < 8; ++k) ++title[word()];
        for (int k = 0; k < 45; ++k) ++lead[word()];
        for (int k = 0; k < 4; ++k) {
            std::string name = "n" + std::to_string(random_() % kNames);
            ++lead[name];
            f.entities.push_back({std::move(name), k == 0 ? EntityKind::place : EntityKind::name});
        }
        std::sort(f.entities.begin(), f.entities.end());
        f.entities.erase(std::unique(f.entities.begin(), f.entities.end()), f.entities.end());
        for (auto& [t, c] : title) f.title.push_back({t, c});
        for (auto& [t, c] : lead) f.lead.push_back({t, c});
        char date[16];
        std::snprintf(date, sizeof date, "date:%02d-%02d", static_cast<int>(1 + random_() % 12),
                      static_cast<int>(1 + random_() % 28));
        f.quantities.push_back(date);
        f.fingerprint = random_();
        return f;
    }

    // The story as another site would rewrite it: a third of its words replaced.
    StoryFeatures rewrite(StoryFeatures f) {
        for (auto* part : {&f.title, &f.lead}) {
            std::map<std::string, std::uint32_t> terms;
            for (const TermCount& t : *part) terms[random_() % 3 == 0 ? word() : t.term] += t.count;
            part->clear();
            for (auto& [t, c] : terms) part->push_back({t, c});
        }
        f.fingerprint = random_();
        return f;
    }

    std::mt19937_64& random() { return random_; }

private:
    static constexpr int kVocabulary = 200000;
    static constexpr int kNames = 500000;

    std::string word() {
        const double at = std::uniform_real_distribution<double>(0, cumulative_.back())(random_);
        const auto rank = std::lower_bound(cumulative_.begin(), cumulative_.end(), at) - cumulative_.begin();
        return "w" + std::to_string(rank);
    }

    std::mt19937_64 random_;
    std::vector<double> cumulative_;
};

void extract_throughput() {
    ParsedItem ar, fr;
    ar.title = "الاستخبارات المغربية تساهم بشكل حاسم في حصيلة قياسية لإسبانيا في مكافحة الإرهاب خلال 2025";
    ar.summary =
        "في ظل تصاعد المخاطر المرتبطة بالإرهاب العابر للحدود، عاد الدور الاستخباراتي المغربي ليتصدر الاهتمام داخل "
        "الأوساط الأمنية الأوروبية، بعد أن كشفت إذاعة Cadena SER الإسبانية عن مساهمة حاسمة لأجهزة الأمن المغربية في "
        "النتائج غير المسبوقة التي سجلتها إسبانيا في مجال مكافحة الإرهاب خلال سنة 2025، مع توقيف 112 مشتبها فيهم.";
    fr.title = "Un séisme de magnitude 5,2 secoue la région d'Al Hoceima";
    fr.summary =
        "Un tremblement de terre de magnitude 5,2 sur l'échelle de Richter a été enregistré dimanche à 3h42 au large "
        "d'Al Hoceima, à une profondeur de 15 km, a annoncé l'Institut national de géophysique (ING). La secousse a "
        "été ressentie à Nador et Driouch, sans faire de victimes, selon les autorités locales de la province.";
    constexpr int kRounds = 2000;
    std::size_t sink = 0;
    const auto start = Steady::now();
    for (int k = 0; k < kRounds; ++k) sink += extract_features(k % 2 ? ar : fr).lead.size();
    const double elapsed = seconds_since(start);
    std::printf("extract_features: %.1f µs per item (Arabic and French leads of ~60 words)%s\n",
                elapsed / kRounds * 1e6, sink == 0 ? " (empty!)" : "");
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t max_stories = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
    extract_throughput();

    Generator gen{42};
    StoryEngine engine;
    const SysTime t0{std::chrono::sys_days{std::chrono::year{2025} / 12 / 29}};
    const std::chrono::seconds window = std::chrono::hours{48};
    std::vector<StoryFeatures> held_sample;  // stories to rewrite, kept aside
    std::int64_t next_id = 1;
    std::printf("%10s %12s %12s %12s %12s %12s %10s\n", "stories", "add µs", "match µs", "match p99", "candidates",
                "postings", "RSS MB");
    for (std::size_t target = 10000; target <= max_stories; target *= 10) {
        const std::size_t before = engine.size();
        const auto add_start = Steady::now();
        while (engine.size() < target) {
            StoryFeatures f = gen.story();
            // Spread over the window, so every story is a match candidate by time.
            const SysTime at = t0 + std::chrono::seconds(static_cast<long>(gen.random()() % (47 * 3600)));
            engine.add(next_id++, f, at);
            if (held_sample.empty() || gen.random()() % 1000 == 0) held_sample.push_back(std::move(f));
        }
        const double add_us = seconds_since(add_start) / static_cast<double>(target - before) * 1e6;

        constexpr int kQueries = 2000;
        std::vector<double> times;
        std::size_t candidates = 0, postings = 0, matched = 0;
        double candidate_us = 0;
        for (int q = 0; q < kQueries; ++q) {
            const StoryFeatures item =
                q % 2 ? gen.story() : gen.rewrite(held_sample[gen.random()() % held_sample.size()]);
            const SysTime at = t0 + std::chrono::hours{47};
            const double start = cpu_seconds();
            const auto m = engine.match(item, at, window);
            times.push_back((cpu_seconds() - start) * 1e6);
            matched += m ? 1 : 0;
            const double c_start = cpu_seconds();
            const auto c = engine.candidates(item, at, window);
            candidate_us += (cpu_seconds() - c_start) * 1e6;
            candidates += c.stories.size();
            postings += c.postings_read;
        }
        std::sort(times.begin(), times.end());
        double mean = 0;
        for (const double t : times) mean += t / kQueries;
        std::printf(
            "%10zu %12.1f %12.1f %12.1f %12.1f %12.0f %10.0f   (%zu of %d matched; %zu terms held; finding candidates "
            "%.1f µs)\n",
            engine.size(), add_us, mean, times[times.size() * 99 / 100], static_cast<double>(candidates) / kQueries,
            static_cast<double>(postings) / kQueries, resident_mb(), matched, kQueries, engine.terms(),
            candidate_us / kQueries);
    }

    const auto expire_start = Steady::now();
    const std::size_t gone = engine.expire(t0 + std::chrono::hours{24});
    std::printf("expire: %zu stories in %.2f s (%.1f µs each), %zu left\n", gone, seconds_since(expire_start),
                seconds_since(expire_start) / static_cast<double>(std::max<std::size_t>(gone, 1)) * 1e6, engine.size());
    return 0;
}

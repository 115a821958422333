#include "dedup/lexicon.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "dedup/dedup.hpp"

namespace tributary::dedup::lexicon {
namespace {

// Every normalised word of our Arabic and French pairs, and weekdays written as articles write
// them (with a conjunction or preposition glued on, some of which the proclitic rule does not
// read as weekdays).
std::set<std::string> sample_words() {
    std::ifstream in(std::string(TRIBUTARY_FIXTURES_DIR) + "/dedup/ar-fr-pairs.json", std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::set<std::string> words;
    const std::string norm = normalize_text(text);
    for (std::size_t i = 0; i < norm.size();) {
        const std::size_t end = std::min(norm.find(' ', i), norm.size());
        if (end > i) words.insert(norm.substr(i, end - i));
        i = end + 1;
    }
    for (const char* w : {"والخميس", "بالخميس", "للخميس", "وخميس", "فالسبت", "كالأحد", "لالاثنين", "ولل", "والسبتي",
                          "lundi", "Monday", "jeudi", "the", "les", "said", "a annoncé", "في", "من", "quake"})
        words.insert(normalize_text(w));
    return words;
}

TEST(Lexicon, NoiseWordIsTheStopFillerAndWeekdayListsTogether) {
    const std::set<std::string> words = sample_words();
    ASSERT_GT(words.size(), 1000u);
    std::size_t noise = 0;
    for (const Lang list : {Lang::other, Lang::ar, Lang::fr, Lang::en})
        for (const std::string& w : words) {
            const bool expected = is_stop_word(list, w) || is_news_filler(w) || weekday_of(w).has_value();
            EXPECT_EQ(is_noise_word(list, w), expected) << "'" << w << "' in list " << static_cast<int>(list);
            noise += expected ? 1 : 0;
        }
    EXPECT_GT(noise, 100u);  // the sample does hold noise of every kind
    EXPECT_TRUE(is_noise_word(Lang::ar, normalize_text("والخميس")));
    EXPECT_FALSE(is_noise_word(Lang::en, normalize_text("quake")));
}

}  // namespace
}  // namespace tributary::dedup::lexicon

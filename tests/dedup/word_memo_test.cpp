#include "dedup/word_memo.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tributary::dedup {
namespace {

TEST(WordMemo, FindsWhatWasInsertedByItsBytes) {
    WordMemo<int> memo(100);
    EXPECT_EQ(memo.find("مراكش"), nullptr);
    memo.insert("مراكش", 1);
    memo.insert("marrakech", 2);
    memo.insert(std::string_view("a\0b", 3), 3);  // bytes, not a C string
    memo.insert("", 4);
    ASSERT_NE(memo.find("مراكش"), nullptr);
    EXPECT_EQ(*memo.find("مراكش"), 1);
    EXPECT_EQ(*memo.find("marrakech"), 2);
    EXPECT_EQ(*memo.find(std::string_view("a\0b", 3)), 3);
    EXPECT_EQ(memo.find("a"), nullptr);
    EXPECT_EQ(*memo.find(""), 4);
    EXPECT_EQ(memo.find("Marrakech"), nullptr);
    EXPECT_EQ(memo.size(), 4u);
}

// Feature extraction holds what it learnt of a word per script: the same bytes of two kinds are
// two entries, each found only under its own kind.
TEST(WordMemo, TheSameBytesOfTwoKindsAreTwoEntries) {
    WordMemo<int> memo(100);
    memo.insert("rabat", 1, 0);
    EXPECT_EQ(memo.find("rabat", 1), nullptr);
    memo.insert("rabat", 2, 1);
    ASSERT_NE(memo.find("rabat", 0), nullptr);
    ASSERT_NE(memo.find("rabat", 1), nullptr);
    EXPECT_EQ(*memo.find("rabat", 0), 1);
    EXPECT_EQ(*memo.find("rabat", 1), 2);
    EXPECT_EQ(*memo.find("rabat"), 1);  // kind 0 unless said
    EXPECT_EQ(memo.find("rabat", 2), nullptr);
    EXPECT_EQ(memo.size(), 2u);
}

// Feature extraction keeps a pointer to each word's facts while it reads an item: inserting
// more words, across the entries' chunks and the index's growth, must not move a value.
TEST(WordMemo, AValueStaysWhereItIsWhileMoreWordsArrive) {
    WordMemo<std::string> memo(100000);
    std::vector<const std::string*> addresses;
    for (int i = 0; i < 5000; ++i) addresses.push_back(&memo.insert("word" + std::to_string(i), std::to_string(i)));
    for (int i = 0; i < 5000; ++i) {
        const std::string* found = memo.find("word" + std::to_string(i));
        ASSERT_NE(found, nullptr) << i;
        EXPECT_EQ(found, addresses[static_cast<std::size_t>(i)]) << i;
        EXPECT_EQ(*found, std::to_string(i));
    }
}

TEST(WordMemo, FullAtItsCapacityYetTakesMoreUntilCleared) {
    WordMemo<int> memo(3);
    memo.insert("a", 1);
    memo.insert("b", 2);
    EXPECT_FALSE(memo.full());
    memo.insert("c", 3);
    EXPECT_TRUE(memo.full());
    memo.insert("d", 4);  // the caller clears between items, never within one
    EXPECT_EQ(*memo.find("d"), 4);
    memo.clear();
    EXPECT_FALSE(memo.full());
    EXPECT_EQ(memo.size(), 0u);
    for (const char* word : {"a", "b", "c", "d"}) EXPECT_EQ(memo.find(word), nullptr) << word;
    memo.insert("b", 20);
    EXPECT_EQ(*memo.find("b"), 20);
    EXPECT_EQ(memo.find("a"), nullptr);
}

}  // namespace
}  // namespace tributary::dedup

#include "dedup/chunked_array.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace tributary::dedup {
namespace {

// Chunks of 4 elements, so that a few dozen cross many chunk boundaries.
using Small = ChunkedArray<std::string, 2>;

TEST(ChunkedArray, GrowsAcrossChunksKeepingEveryElementInPlace) {
    Small array;
    EXPECT_TRUE(array.empty());
    std::vector<const std::string*> addresses;
    for (int i = 0; i < 37; ++i) {
        std::string& slot = array.emplace_back();
        EXPECT_TRUE(slot.empty()) << "a new element is value-initialised";
        slot = "story " + std::to_string(i);
        addresses.push_back(&slot);
    }
    ASSERT_EQ(array.size(), 37u);
    for (int i = 0; i < 37; ++i) {
        EXPECT_EQ(array[static_cast<std::size_t>(i)], "story " + std::to_string(i));
        // Growing never moved an element: what the engine's growth must not do to its peak.
        EXPECT_EQ(&array[static_cast<std::size_t>(i)], addresses[static_cast<std::size_t>(i)]);
    }
    // Ten chunks of four, and the chunk table: nothing like a vector's doubled capacity.
    EXPECT_LE(array.memory_bytes(), 10 * 4 * sizeof(std::string) + 16 * sizeof(std::unique_ptr<std::string[]>));
}

TEST(ChunkedArray, ClearKeepsTheChunksAndHandsOutEmptyElementsAgain) {
    Small array;
    for (int i = 0; i < 9; ++i) array.emplace_back() = "word " + std::to_string(i);
    const std::size_t bytes = array.memory_bytes();
    const std::string* first = &array[0];
    array.clear();
    EXPECT_TRUE(array.empty());
    for (int i = 0; i < 9; ++i) EXPECT_TRUE(array.emplace_back().empty()) << "element " << i << " kept its old value";
    EXPECT_EQ(&array[0], first) << "clear() gave its chunks back";
    EXPECT_EQ(array.memory_bytes(), bytes);
}

TEST(ChunkedArray, ACopyOwnsItsElements) {
    Small original;
    for (int i = 0; i < 9; ++i) original.emplace_back() = std::to_string(i);
    Small copy = original;
    copy[8] = "changed";
    copy.emplace_back() = "added";
    EXPECT_EQ(original[8], "8");
    EXPECT_EQ(original.size(), 9u);
    EXPECT_EQ(copy.size(), 10u);
    EXPECT_EQ(copy[0], "0");
    EXPECT_EQ(copy[9], "added");

    Small assigned;
    assigned = original;
    assigned[0] = "x";
    EXPECT_EQ(original[0], "0");
    std::size_t visited = 0;
    assigned.for_each([&](const std::string&) { ++visited; });
    EXPECT_EQ(visited, 9u);
}

}  // namespace
}  // namespace tributary::dedup

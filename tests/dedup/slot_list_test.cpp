#include "dedup/slot_list.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace tributary::dedup {
namespace {

std::vector<SlotList::Slot> slots_of(const SlotList& list) { return {list.begin(), list.end()}; }

TEST(SlotList, HoldsTwoSlotsInsideThenGrowsUpToTheLimitGiven) {
    SlotList list;
    list.push_back(7, 320);
    list.push_back(8, 320);
    EXPECT_EQ(list.heap_bytes(), 0u);
    EXPECT_EQ(slots_of(list), (std::vector<SlotList::Slot>{7, 8}));
    for (SlotList::Slot s = 9; s < 300; ++s) list.push_back(s, 320);
    EXPECT_EQ(list.size(), 293u);
    EXPECT_EQ(list.heap_bytes(), 320 * sizeof(SlotList::Slot));  // 256 doubled would be 512
    for (SlotList::Slot s = 300; s < 330; ++s) list.push_back(s, 320);
    EXPECT_EQ(list.size(), 323u);  // past the limit: one at a time, never lost
    EXPECT_EQ(list.begin()[0], 7u);
    EXPECT_EQ(list.end()[-1], 329u);
}

TEST(SlotList, ErasesTheOldestOrOneSlotInPlace) {
    SlotList list;
    for (SlotList::Slot s = 0; s < 10; ++s) list.push_back(s, 64);
    list.erase_front(3);
    EXPECT_EQ(slots_of(list), (std::vector<SlotList::Slot>{3, 4, 5, 6, 7, 8, 9}));
    EXPECT_TRUE(list.erase(6));
    EXPECT_FALSE(list.erase(6));
    EXPECT_EQ(slots_of(list), (std::vector<SlotList::Slot>{3, 4, 5, 7, 8, 9}));
    list.erase_front(100);
    EXPECT_TRUE(list.empty());

    SlotList small;
    small.push_back(1, 64);
    small.push_back(2, 64);
    EXPECT_TRUE(small.erase(1));
    EXPECT_EQ(slots_of(small), (std::vector<SlotList::Slot>{2}));
}

TEST(SlotList, CopiesAndMovesOwnTheirSlots) {
    SlotList inside, outside;
    inside.push_back(1, 64);
    for (SlotList::Slot s = 0; s < 5; ++s) outside.push_back(s, 64);

    SlotList copy_in = inside, copy_out = outside;
    copy_out.push_back(99, 64);
    EXPECT_EQ(slots_of(outside), (std::vector<SlotList::Slot>{0, 1, 2, 3, 4}));
    EXPECT_EQ(slots_of(copy_in), (std::vector<SlotList::Slot>{1}));

    SlotList moved = std::move(copy_out);
    EXPECT_EQ(moved.size(), 6u);
    copy_in = moved;
    EXPECT_EQ(slots_of(copy_in), slots_of(moved));
    moved = std::move(inside);
    EXPECT_EQ(slots_of(moved), (std::vector<SlotList::Slot>{1}));
    moved = moved;  // itself: unchanged
    EXPECT_EQ(slots_of(moved), (std::vector<SlotList::Slot>{1}));
}

}  // namespace
}  // namespace tributary::dedup

#include "dedup/block_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <vector>

namespace tributary::dedup {
namespace {

// Fills a block with bytes derived from its handle, so that any overlap shows.
void fill(BlockArena& arena, BlockArena::Handle h, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) arena.data(h)[i] = static_cast<std::uint8_t>(h * 31 + i);
}
bool intact(const BlockArena& arena, BlockArena::Handle h, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i)
        if (arena.data(h)[i] != static_cast<std::uint8_t>(h * 31 + i)) return false;
    return true;
}

TEST(BlockArena, BlocksKeepTheirBytesWhileOthersComeAndGoAcrossChunks) {
    BlockArena arena;
    std::mt19937 random(7);
    std::map<BlockArena::Handle, std::size_t> live;
    // About 90 bytes a block, 60,000 blocks held at most: several chunks, with churn.
    for (int step = 0; step < 200000; ++step) {
        if (!live.empty() && (live.size() > 60000 || random() % 3 == 0)) {
            auto it = live.begin();
            std::advance(it, static_cast<long>(random() % std::min<std::size_t>(live.size(), 64)));
            ASSERT_TRUE(intact(arena, it->first, it->second)) << "step " << step;
            arena.release(it->first, it->second);
            live.erase(it);
            continue;
        }
        const std::size_t bytes = 20 + random() % 140;
        const BlockArena::Handle h = arena.allocate(bytes);
        ASSERT_FALSE(live.contains(h)) << "handed out twice at step " << step;
        fill(arena, h, bytes);
        live.emplace(h, bytes);
    }
    for (const auto& [h, bytes] : live) EXPECT_TRUE(intact(arena, h, bytes));
    EXPECT_GT(arena.memory_bytes(), BlockArena::kChunkBytes);  // it did need several chunks
}

TEST(BlockArena, AFreedBlockIsReusedForTheNextBlockOfItsSize) {
    BlockArena arena;
    const BlockArena::Handle a = arena.allocate(30);
    const BlockArena::Handle b = arena.allocate(30);
    arena.release(a, 30);
    EXPECT_EQ(arena.allocate(29), a);  // 29 and 30 bytes take the same 4-byte units
    EXPECT_NE(arena.allocate(30), b);
    const std::size_t before = arena.memory_bytes();
    for (int i = 0; i < 1000; ++i) arena.release(arena.allocate(100), 100);
    EXPECT_LT(arena.memory_bytes(), before + 4096);  // a free list more, not a thousand blocks
}

TEST(BlockArena, ACopyOwnsItsBlocks) {
    BlockArena arena;
    const BlockArena::Handle h = arena.allocate(8);
    std::memcpy(arena.data(h), "original", 8);
    BlockArena copy = arena;
    std::memcpy(arena.data(h), "changed!", 8);
    EXPECT_EQ(std::memcmp(copy.data(h), "original", 8), 0);
    const BlockArena::Handle next = copy.allocate(8);
    EXPECT_NE(next, h);
}

TEST(BlockArena, TheLargestBlockFitsAfterSmallOnes) {
    BlockArena arena;
    const BlockArena::Handle small = arena.allocate(12);
    const BlockArena::Handle large = arena.allocate(BlockArena::kMaxBlockBytes);
    std::memset(arena.data(large), 0xAB, BlockArena::kMaxBlockBytes);
    std::memcpy(arena.data(small), "twelve bytes", 12);
    EXPECT_EQ(std::memcmp(arena.data(small), "twelve bytes", 12), 0);
    EXPECT_EQ(arena.data(large)[BlockArena::kMaxBlockBytes - 1], 0xAB);
}

}  // namespace
}  // namespace tributary::dedup

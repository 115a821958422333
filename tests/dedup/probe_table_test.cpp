#include "dedup/probe_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace tributary::dedup {
namespace {

// Keys live outside the table, as in the StoryEngine: value v stands for key keys[v]. Few
// distinct keys, so that equal keys, long runs and wrap-around are all exercised.
struct Owner {
    std::vector<std::uint64_t> keys;
    // A poor hash on purpose: many keys share a home cell.
    static std::uint64_t hash(std::uint64_t key) { return key % 7; }
    std::uint64_t hash_of(std::uint32_t v) const { return hash(keys[v]); }
};

std::vector<std::uint32_t> values_under(const ProbeTable& table, const Owner& owner, std::uint64_t key) {
    std::vector<std::uint32_t> found;
    table.for_each(Owner::hash(key), [&](std::uint32_t v) {
        if (owner.keys[v] == key) found.push_back(v);
    });
    std::sort(found.begin(), found.end());
    return found;
}

TEST(ProbeTable, AgreesWithAMultimapThroughRandomInsertsAndErasures) {
    std::mt19937 random{11};
    Owner owner;
    ProbeTable table;
    std::multimap<std::uint64_t, std::uint32_t> expected;
    const auto hash_of = [&](std::uint32_t v) { return owner.hash_of(v); };
    for (int step = 0; step < 20000; ++step) {
        if (expected.empty() || random() % 3 != 0) {
            const auto v = static_cast<std::uint32_t>(owner.keys.size());
            owner.keys.push_back(random() % 50);
            table.insert(Owner::hash(owner.keys[v]), v, hash_of);
            expected.emplace(owner.keys[v], v);
        } else {
            auto it = expected.begin();
            std::advance(it, static_cast<long>(random() % expected.size()));
            ASSERT_TRUE(table.erase(Owner::hash(it->first), it->second, hash_of));
            expected.erase(it);
        }
        if (step % 997 == 0 || step == 19999) {
            ASSERT_EQ(table.size(), expected.size());
            for (std::uint64_t key = 0; key < 50; ++key) {
                std::vector<std::uint32_t> want;
                for (auto [a, b] = expected.equal_range(key); a != b; ++a) want.push_back(a->second);
                std::sort(want.begin(), want.end());
                ASSERT_EQ(values_under(table, owner, key), want) << "key " << key << " at step " << step;
            }
        }
    }
}

TEST(ProbeTable, FindsTheFirstMatchAndNothingInAnEmptyTable) {
    ProbeTable table;
    EXPECT_EQ(table.find(3, [](std::uint32_t) { return true; }), ProbeTable::kEmpty);
    EXPECT_FALSE(table.erase(3, 1, [](std::uint32_t) { return 3u; }));
    Owner owner{{10, 17, 24}};  // one home cell for all three
    const auto hash_of = [&](std::uint32_t v) { return owner.hash_of(v); };
    for (std::uint32_t v = 0; v < 3; ++v) table.insert(Owner::hash(owner.keys[v]), v, hash_of);
    EXPECT_EQ(table.find(3, [&](std::uint32_t v) { return owner.keys[v] == 24; }), 2u);
    EXPECT_TRUE(table.erase(3, 0, hash_of));
    EXPECT_FALSE(table.erase(3, 0, hash_of));
    EXPECT_EQ(table.find(3, [&](std::uint32_t v) { return owner.keys[v] == 24; }), 2u);
    EXPECT_EQ(table.size(), 2u);
}

TEST(ProbeTable, ClearForgetsEveryValueAndKeepsWorking) {
    ProbeTable table;
    Owner owner{{10, 17, 24, 31}};
    const auto hash_of = [&](std::uint32_t v) { return owner.hash_of(v); };
    for (std::uint32_t v = 0; v < 4; ++v) table.insert(Owner::hash(owner.keys[v]), v, hash_of);
    const std::size_t bytes = table.memory_bytes();
    table.clear();
    EXPECT_EQ(table.size(), 0u);
    EXPECT_TRUE(values_under(table, owner, 24).empty());
    EXPECT_EQ(table.memory_bytes(), bytes);
    table.insert(Owner::hash(24), 2, hash_of);
    EXPECT_EQ(values_under(table, owner, 24), std::vector<std::uint32_t>{2});
    EXPECT_TRUE(values_under(table, owner, 10).empty());
}

}  // namespace
}  // namespace tributary::dedup

#pragma once
// An open-addressing hash index of 32-bit values (story slots, term ids) whose keys live
// elsewhere, in the StoryEngine's own arrays: the table stores 4 bytes a value and no key, where
// a node-based std::unordered_map spends about 40 bytes an entry and an allocation. With a
// million stories in the window that difference is most of the engine's memory.
//
// The caller hashes a key and tells, for each value the probe meets, whether it is the one
// sought; values with equal keys may be stored more than once (several stories share a
// fingerprint). Growing and erasing need each stored value's hash again: the caller passes
// `hash_of`, which reads it from the owner's arrays. Linear probing, at most three quarters full
// (half full, the three tables of story slots took 6 MB for the 175,000 stories of 10,000 feeds,
// 3 cells a story; now 1.5, and match and add cost the same on the story engine bench), erasure
// by backward shift (no tombstones, so a long-running daemon's probes never lengthen).

#include <algorithm>
#include <cstdint>
#include <vector>

namespace tributary::dedup {

// A 64-bit mix for integer keys (story ids, fingerprints), whose low bits alone index the table.
inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

class ProbeTable {
public:
    static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

    template <class HashOf>
    void insert(std::uint64_t hash, std::uint32_t value, const HashOf& hash_of) {
        if ((used_ + 1) * 4 > cells_.size() * 3) grow(hash_of);
        place(hash, value);
        ++used_;
    }

    // The first value stored under `hash` for which is_it(value) holds; kEmpty if none.
    template <class IsIt>
    std::uint32_t find(std::uint64_t hash, const IsIt& is_it) const {
        if (cells_.empty()) return kEmpty;
        for (std::size_t i = hash & mask(); cells_[i] != kEmpty; i = (i + 1) & mask())
            if (is_it(cells_[i])) return cells_[i];
        return kEmpty;
    }

    // Calls visit(value) for every value that may be stored under `hash` (others too: the caller
    // checks the key).
    template <class Visit>
    void for_each(std::uint64_t hash, const Visit& visit) const {
        if (cells_.empty()) return;
        for (std::size_t i = hash & mask(); cells_[i] != kEmpty; i = (i + 1) & mask()) visit(cells_[i]);
    }

    // Removes one copy of `value`, stored under `hash`; false if it was not there.
    template <class HashOf>
    bool erase(std::uint64_t hash, std::uint32_t value, const HashOf& hash_of) {
        if (cells_.empty()) return false;
        std::size_t hole = hash & mask();
        while (cells_[hole] != value) {
            if (cells_[hole] == kEmpty) return false;
            hole = (hole + 1) & mask();
        }
        // Pull back each later value of the run that may sit in the hole: one whose home is not
        // cyclically between the hole and where it sits.
        for (std::size_t i = (hole + 1) & mask(); cells_[i] != kEmpty; i = (i + 1) & mask()) {
            const std::size_t home = hash_of(cells_[i]) & mask();
            if (((i - home) & mask()) >= ((i - hole) & mask())) {
                cells_[hole] = cells_[i];
                hole = i;
            }
        }
        cells_[hole] = kEmpty;
        --used_;
        return true;
    }

    // Removes every value and keeps the table's size.
    void clear() {
        std::fill(cells_.begin(), cells_.end(), kEmpty);
        used_ = 0;
    }

    std::size_t size() const { return used_; }
    std::size_t memory_bytes() const { return cells_.capacity() * sizeof(std::uint32_t); }

private:
    std::size_t mask() const { return cells_.size() - 1; }

    void place(std::uint64_t hash, std::uint32_t value) {
        std::size_t i = hash & mask();
        while (cells_[i] != kEmpty) i = (i + 1) & mask();
        cells_[i] = value;
    }

    template <class HashOf>
    void grow(const HashOf& hash_of) {
        std::vector<std::uint32_t> old(cells_.size() < 16 ? 16 : cells_.size() * 2, kEmpty);
        old.swap(cells_);
        for (const std::uint32_t v : old)
            if (v != kEmpty) place(hash_of(v), v);
    }

    std::vector<std::uint32_t> cells_;
    std::size_t used_ = 0;
};

}  // namespace tributary::dedup

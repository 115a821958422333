#pragma once
// The story engine's term blocks, one per story held and a few dozen bytes each, carved out of
// large chunks instead of one heap block each: malloc spent a header and its 16-byte rounding on
// every block of 76 bytes on average (the 10,000-feed bench farm's peak RSS fell by 2.6 MB, 15
// bytes a story), and a handle takes 4 bytes where a pointer took 8.
//
// A freed block goes to a free list of its size (in 4-byte units) and is handed out again for
// the next block of that size: stories come and go at the same pace once the window is full, and
// their sizes keep one distribution, so freed blocks are reused rather than piling up. Memory
// never goes back to the system before the arena does: at most what the largest window held.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace tributary::dedup {

class BlockArena {
public:
    using Handle = std::uint32_t;  // chunk (high 14 bits), then the offset in 4-byte units
    static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
    static constexpr std::size_t kUnit = 4;
    // Larger blocks do not fit: a story's terms are capped far below (StoryEngine::kMaxStoryTerms
    // at 6 bytes a term is 384 KiB).
    static constexpr std::size_t kMaxBlockBytes = kChunkBytes;

    BlockArena() = default;
    // An engine is a value (tests and the evaluation copy one): a copy owns its own chunks.
    BlockArena(const BlockArena& other) { *this = other; }
    BlockArena& operator=(const BlockArena& other) {
        if (this == &other) return *this;
        chunks_.clear();
        for (std::size_t c = 0; c < other.chunks_.size(); ++c) {
            chunks_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(kChunkBytes));
            // Only the written part: the rest of a chunk is never read before it is written.
            const std::size_t used = c + 1 == other.chunks_.size() ? other.used_in_last_ : kChunkBytes;
            std::memcpy(chunks_.back().get(), other.chunks_[c].get(), used);
        }
        used_in_last_ = other.used_in_last_;
        free_ = other.free_;
        return *this;
    }
    BlockArena(BlockArena&&) noexcept = default;
    BlockArena& operator=(BlockArena&&) noexcept = default;

    // Room for `bytes` (1 .. kMaxBlockBytes), its content unset.
    Handle allocate(std::size_t bytes) {
        const std::size_t units = units_of(bytes);
        if (units < free_.size() && !free_[units].empty()) {
            const Handle h = free_[units].back();
            free_[units].pop_back();
            return h;
        }
        const std::size_t need = units * kUnit;
        if (chunks_.empty() || used_in_last_ + need > kChunkBytes) {
            // The old chunk's tail serves a block of its size later (a tail is smaller than the
            // block that did not fit: a few dozen bytes, unless that block was unusually large).
            if (const std::size_t tail = (kChunkBytes - used_in_last_) / kUnit;
                !chunks_.empty() && tail > 0 && tail <= kMaxKeptTailUnits)
                release_units(handle_at(chunks_.size() - 1, used_in_last_), tail);
            chunks_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(kChunkBytes));
            used_in_last_ = 0;
        }
        const Handle h = handle_at(chunks_.size() - 1, used_in_last_);
        used_in_last_ += need;
        return h;
    }

    // Gives back a block allocate(bytes) returned, with the same `bytes`.
    void release(Handle h, std::size_t bytes) { release_units(h, units_of(bytes)); }

    std::uint8_t* data(Handle h) { return chunks_[h >> kOffsetBits].get() + (h & kOffsetMask) * kUnit; }
    const std::uint8_t* data(Handle h) const { return chunks_[h >> kOffsetBits].get() + (h & kOffsetMask) * kUnit; }

    std::size_t memory_bytes() const {
        std::size_t bytes = chunks_.size() * kChunkBytes + free_.capacity() * sizeof(free_.front());
        for (const auto& list : free_) bytes += list.capacity() * sizeof(Handle);
        return bytes;
    }

private:
    static constexpr unsigned kOffsetBits = 18;  // 2^18 units of 4 bytes: one chunk
    static constexpr Handle kOffsetMask = (Handle{1} << kOffsetBits) - 1;
    static constexpr std::size_t kMaxKeptTailUnits = 1024;
    static_assert((std::size_t{1} << kOffsetBits) * kUnit == kChunkBytes);

    static std::size_t units_of(std::size_t bytes) { return std::max<std::size_t>((bytes + kUnit - 1) / kUnit, 1); }
    static Handle handle_at(std::size_t chunk, std::size_t offset_bytes) {
        return static_cast<Handle>(chunk << kOffsetBits | offset_bytes / kUnit);
    }
    void release_units(Handle h, std::size_t units) {
        if (units >= free_.size()) free_.resize(units + 1);
        free_[units].push_back(h);
    }

    std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;
    std::size_t used_in_last_ = 0;           // bytes of the last chunk handed out
    std::vector<std::vector<Handle>> free_;  // by size in units
};

}  // namespace tributary::dedup

#pragma once
// A growable array of fixed-size chunks, for the StoryEngine's per-slot arrays.
//
// A std::vector of hundreds of thousands of stories holds the old and the new array at once
// while it grows (three times the live bytes at that moment, and the peak is what an operator's
// memory limit sees) and keeps up to half its capacity unused. Here growing adds one chunk and
// never moves an element. std::deque would do the same, but its indexing (a division and
// branches) doubled the cost of finding candidates, which reads a slot's time per posting
// entry: a power-of-two chunk is a shift and a mask.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

namespace tributary::dedup {

template <class T, unsigned ChunkBits = 12>
class ChunkedArray {
public:
    static constexpr std::size_t kChunk = std::size_t{1} << ChunkBits;

    ChunkedArray() = default;
    ChunkedArray(ChunkedArray&&) noexcept = default;
    ChunkedArray& operator=(ChunkedArray&&) noexcept = default;
    ChunkedArray(const ChunkedArray& other) : size_(other.size_) {
        chunks_.reserve(other.chunks_.size());
        for (std::size_t c = 0; c < other.chunks_.size(); ++c) {
            chunks_.push_back(std::make_unique<T[]>(kChunk));
            const std::size_t used = std::min(kChunk, size_ - c * kChunk);
            for (std::size_t i = 0; i < used; ++i) chunks_[c][i] = other.chunks_[c][i];
        }
    }
    ChunkedArray& operator=(const ChunkedArray& other) { return *this = ChunkedArray(other); }

    T& operator[](std::size_t i) { return chunks_[i >> ChunkBits][i & (kChunk - 1)]; }
    const T& operator[](std::size_t i) const { return chunks_[i >> ChunkBits][i & (kChunk - 1)]; }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    // Appends a value-initialised element and returns it.
    T& emplace_back() {
        if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
        return (*this)[size_++];
    }

    // Empties the array and keeps its chunks, whose elements are value-initialised again.
    void clear() {
        for (std::size_t i = 0; i < size_; ++i) (*this)[i] = T{};
        size_ = 0;
    }

    std::size_t memory_bytes() const {
        return chunks_.size() * kChunk * sizeof(T) + chunks_.capacity() * sizeof(chunks_.front());
    }

    template <class Visit>
    void for_each(const Visit& visit) const {
        for (std::size_t i = 0; i < size_; ++i) visit((*this)[i]);
    }

private:
    std::vector<std::unique_ptr<T[]>> chunks_;
    std::size_t size_ = 0;
};

}  // namespace tributary::dedup

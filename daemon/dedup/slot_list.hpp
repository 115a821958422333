#pragma once
// A term's posting list in the StoryEngine: the slots of the stories holding it, oldest first.
//
// Most terms of a window are in one or two stories (names, figures, rare words: half the terms of
// a news corpus occur once), so a list keeps up to two slots inside itself and allocates only past
// that. A std::vector spent 24 bytes plus a heap block of at least 32 bytes on each of them: with
// the 470,000 terms of 100,000 synthetic stories (story engine bench), most of the engine's memory.
// Growth stops at the limit the caller gives, not at the next power of two.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace tributary::dedup {

class SlotList {
public:
    using Slot = std::uint32_t;

    SlotList() = default;
    SlotList(const SlotList& other) { assign(other.data(), other.size_); }
    SlotList& operator=(const SlotList& other) {
        if (this != &other) {
            release();
            assign(other.data(), other.size_);
        }
        return *this;
    }
    SlotList(SlotList&& other) noexcept { take(other); }
    SlotList& operator=(SlotList&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    ~SlotList() { release(); }

    const Slot* begin() const { return data(); }
    const Slot* end() const { return data() + size_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Bytes on the heap (none while the slots fit inside).
    std::size_t heap_bytes() const { return on_heap() ? std::size_t{capacity_} * sizeof(Slot) : 0; }

    // Appends; when full, grows to twice its capacity but never past `max_capacity` (unless the
    // list already holds that many: then by one).
    void push_back(Slot slot, std::size_t max_capacity) {
        if (size_ == capacity_) {
            const std::size_t doubled = std::size_t{capacity_} * 2;
            grow(std::max<std::size_t>(std::min(doubled, max_capacity), std::size_t{size_} + 1));
        }
        data()[size_++] = slot;
    }

    // Removes the first `count` slots (the oldest).
    void erase_front(std::size_t count) {
        count = std::min<std::size_t>(count, size_);
        Slot* d = data();
        std::memmove(d, d + count, (size_ - count) * sizeof(Slot));
        size_ -= static_cast<std::uint32_t>(count);
    }

    // Removes the first copy of `slot`; false if absent.
    bool erase(Slot slot) {
        Slot* d = data();
        Slot* found = std::find(d, d + size_, slot);
        if (found == d + size_) return false;
        std::memmove(found, found + 1, static_cast<std::size_t>(d + size_ - found - 1) * sizeof(Slot));
        --size_;
        return true;
    }

private:
    static constexpr std::uint32_t kInline = 2;

    bool on_heap() const { return capacity_ > kInline; }
    Slot* data() { return on_heap() ? heap_ : inline_; }
    const Slot* data() const { return on_heap() ? heap_ : inline_; }

    void grow(std::size_t capacity) {
        if (capacity <= capacity_) return;
        std::allocator<Slot> alloc;
        Slot* bigger = alloc.allocate(capacity);
        std::copy_n(data(), size_, bigger);
        release_heap();
        heap_ = bigger;
        capacity_ = static_cast<std::uint32_t>(capacity);
    }
    void assign(const Slot* from, std::uint32_t count) {
        size_ = 0;
        capacity_ = kInline;
        grow(count);
        std::copy_n(from, count, data());
        size_ = count;
    }
    void take(SlotList& other) {
        size_ = other.size_;
        capacity_ = other.capacity_;
        if (other.on_heap()) {
            heap_ = other.heap_;
        } else {
            std::copy_n(other.inline_, kInline, inline_);
        }
        other.size_ = 0;
        other.capacity_ = kInline;
    }
    void release_heap() {
        if (on_heap()) std::allocator<Slot>{}.deallocate(heap_, capacity_);
    }
    void release() {
        release_heap();
        size_ = 0;
        capacity_ = kInline;
    }

    union {
        Slot inline_[kInline] = {};
        Slot* heap_;
    };
    std::uint32_t size_ = 0;
    std::uint32_t capacity_ = kInline;
};

static_assert(sizeof(SlotList) == 16);

}  // namespace tributary::dedup

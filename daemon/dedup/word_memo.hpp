#pragma once
// A memo of what a thread learnt about words (a word's normal form, its lexicon facts), keyed by
// the word's bytes. Feature extraction asks it for every word of every item, and news words
// follow a Zipf law, so nearly every question is a hit: what a hit costs is what counts. A
// node-based std::unordered_map paid a bucket, a node and the key's heap block per question in
// cache misses, and its prime modulo: hash-map lookups were about a tenth of the workers' time in
// a cold cycle. Here a hit reads one cell of a ProbeTable and one entry, whose hash is compared
// before its key (features 65.9 -> 58.0 µs an item, `tributary_ingest_bench 10000 --items 20000`).
//
// An entry stays where it is until clear(): callers keep pointers to values while they read one
// item, and clear only between items (see full()).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "dedup/chunked_array.hpp"
#include "dedup/probe_table.hpp"

namespace tributary::dedup {

template <class Value>
class WordMemo {
public:
    // Holds up to `capacity` words before full() says so; insert() never refuses one.
    explicit WordMemo(std::size_t capacity) : capacity_(capacity) {}

    // The value held for `key` of this `kind`; nullptr if none. One word may be held once per
    // kind (its script, say) without the caller building a key of both.
    Value* find(std::string_view key, std::uint8_t kind = 0) {
        const std::uint64_t hash = hash_of(key, kind);
        const std::uint32_t at = index_.find(hash, [&](std::uint32_t i) {
            const Entry& e = entries_[i];
            return e.hash == hash && e.key == key;
        });
        return at == ProbeTable::kEmpty ? nullptr : &entries_[at].value;
    }

    // Holds `value` for `key` of this `kind`, which find() did not know.
    Value& insert(std::string_view key, Value value, std::uint8_t kind = 0) {
        const auto at = static_cast<std::uint32_t>(entries_.size());
        Entry& e = entries_.emplace_back();
        e.hash = hash_of(key, kind);
        e.key.assign(key);
        e.value = std::move(value);
        index_.insert(e.hash, at, [this](std::uint32_t i) { return entries_[i].hash; });
        return e.value;
    }

    bool full() const { return entries_.size() >= capacity_; }
    std::size_t size() const { return entries_.size(); }

    // Forgets every word; values handed out before are no longer valid.
    void clear() {
        entries_.clear();
        index_.clear();
    }

private:
    // The kind is the hash's top byte, so that an entry holds no field for it: a byte more was 8
    // with padding, 0.4 MB a thread with both memos full. The table places entries by the low
    // bits; equality compares the whole hash, then the key's bytes.
    static std::uint64_t hash_of(std::string_view key, std::uint8_t kind) {
        const std::uint64_t hash = std::hash<std::string_view>{}(key);
        return (hash & 0x00FF'FFFF'FFFF'FFFFull) | (std::uint64_t{kind} << 56);
    }

    struct Entry {
        std::uint64_t hash = 0;  // hash_of(key, kind)
        std::string key;
        Value value{};
    };
    std::size_t capacity_;
    ChunkedArray<Entry, 10> entries_;
    ProbeTable index_;
};

}  // namespace tributary::dedup

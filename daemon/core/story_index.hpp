#pragma once
// The stories a new item may belong to (DESIGN.md "Identity and duplicates"), between the store,
// which knows the stories, and dedup, which decides what belonging means. The store fills one
// index per ingest: the stories of the time span the document covers, then each story the ingest
// creates. An index answers in time that does not grow with the stories it holds, where asking a
// function to scan them all for every new item made a first poll of 70,000 items take 10 s.

#include <cstdint>
#include <optional>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace tributary {

class StoryIndex {
public:
    virtual ~StoryIndex() = default;

    virtual void add(const StoryCandidate& story) = 0;

    // The story the item belongs to among those added whose time (StoryCandidate::published; an
    // undated story is in any window) lies in [earliest, latest]; nullopt: a new story.
    virtual std::optional<std::int64_t> match(const ItemKeys& keys, const ParsedItem& item, SysTime earliest,
                                              SysTime latest) = 0;
};

}  // namespace tributary

#pragma once
// The stories a new item may belong to (DESIGN.md "Identity and duplicates"), between the store,
// which knows the stories, and dedup, which decides what belonging means.
//
// One index lives as long as the daemon, on the database thread. The store fills it once at
// start-up with the stories that arrived within the story window (from their persisted
// features), adds each story an ingest creates, takes back the ones of an ingest that rolled
// back, and the daemon expires what arrived before the window. Nothing is rebuilt per ingest:
// a match costs what the index's own limits allow, however many stories the store holds, where
// loading every story of the window for each ingest made a cold cycle quadratic.

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace tributary {

// Which story an item joined, and why, in one line for the log and `explain-story`.
struct StoryMatch {
    std::int64_t story_id = 0;
    std::string reason;  // "url", "fingerprint distance=3", "score=0.71 text=0.64 …"
    // Decided by weighing the wording, not by a fast path (same URL, near-identical lead): the
    // store then never joins an item to a story its own feed already reports.
    bool by_score = false;
    // Decided by the canonical URL as the index holds it: a hash, not the URL. The store looks an
    // item's URL up exactly before it asks the index, so when it gets this answer its own lookup
    // found no item there: a hash collision (one a hostile feed could craft) or a story whose
    // items are gone. Never joined.
    bool by_url = false;

    friend bool operator==(const StoryMatch&, const StoryMatch&) = default;
};

class StoryIndex {
public:
    virtual ~StoryIndex() = default;

    // A story, known by its representative item's keys (ItemKeys::features) and time (the item's
    // date, else when it arrived), that arrived at `arrived`. Replaces a story already held with
    // this id. false: the features were written by another version of the extractor and cannot
    // be read; the caller recomputes them with features_of() and adds again.
    virtual bool add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) = 0;
    // Forgets the story (an ingest that rolled back); nothing happens for an unknown id.
    virtual void remove(std::int64_t story_id) = 0;
    // Forgets every story that arrived before `arrived_before`; returns how many left.
    virtual std::size_t expire(SysTime arrived_before) = 0;
    // Stories held.
    virtual std::size_t size() const = 0;

    // The story the item (keys, and the item as parsed) reports among those held whose time
    // lies within `window` of `time`; nullopt: a new story.
    virtual std::optional<StoryMatch> match(const ItemKeys& keys, const ParsedItem& item, SysTime time,
                                            Seconds window) const = 0;

    // ItemKeys::features for an item, as dedup's compute_keys() fills it: for stories stored
    // before features were kept, or by an older extractor.
    virtual std::string features_of(const ParsedItem& item) const = 0;
};

}  // namespace tributary

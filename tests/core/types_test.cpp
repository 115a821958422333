#include "core/types.hpp"

#include <gtest/gtest.h>

namespace tributary {
namespace {

using namespace std::chrono_literals;

const SysTime kSeen{std::chrono::seconds{1'700'000'000}};

MergedItem seen_at(SysTime first_seen, std::optional<SysTime> published, std::optional<SysTime> updated) {
    MergedItem item;
    item.first_seen = first_seen;
    item.published = published;
    item.updated = updated;
    return item;
}

// Published, else updated, else first seen; a date more than the tolerance after first seen is
// first seen.
TEST(ShownDate, PublishedThenUpdatedThenFirstSeenAndNeverInTheFuture) {
    struct Case {
        const char* what;
        std::optional<SysTime> published;
        std::optional<SysTime> updated;
        SysTime shown;
    };
    const Case cases[] = {
        {"published", kSeen - 3h, kSeen - 1h, kSeen - 3h},
        {"only updated (Atom)", std::nullopt, kSeen - 1h, kSeen - 1h},
        {"neither", std::nullopt, std::nullopt, kSeen},
        {"published within the tolerance", kSeen + kFutureDateTolerance, std::nullopt, kSeen + kFutureDateTolerance},
        {"published just beyond it", kSeen + kFutureDateTolerance + 1s, std::nullopt, kSeen},
        {"published in a wrong zone", kSeen + 1h, kSeen - 1h, kSeen},
        {"updated after first seen, no published", std::nullopt, kSeen + 6h, kSeen},
        {"published kept, a later update does not count", kSeen - 1h, kSeen + 6h, kSeen - 1h},
        {"long ago", SysTime{}, std::nullopt, SysTime{}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(shown_date(seen_at(kSeen, c.published, c.updated)), c.shown);
    }
    // Smaller than the smallest error a wrong zone makes (a quarter of an hour), so every such
    // error is caught; larger than the clock skew of a site that dates a post as it saves it.
    EXPECT_LT(kFutureDateTolerance, 15min);
}

}  // namespace
}  // namespace tributary

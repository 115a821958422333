#pragma once
// The daemon's counters in the Prometheus text format (version 0.0.4), served at /metrics so that
// an operator's monitoring sees failing feeds and stalled cycles without reading the log. Pure:
// the caller gathers the figures.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace tributary::publish {

struct FeedGauges {
    std::string name;
    std::string last_outcome;  // "" before the first attempt
    int consecutive_failures = 0;
    std::optional<SysTime> last_success;
};

// A host every feed of which waits, because one of its servers answered 429/503 with Retry-After.
struct HostHoldGauge {
    std::string host;
    std::string feed;  // whose answer asked for it
    SysTime until;
};

// A daemon sharing its database with others (share_database = yes): its part of the work.
struct SharingGauges {
    std::uint64_t feeds_leased = 0;    // leases taken since start: each one poll
    std::uint64_t feeds_refused = 0;   // due feeds left to another daemon, which held them or their host
    std::uint64_t lease_failures = 0;  // due feeds whose lease request failed (retried 30 s later)
    std::size_t hosts_in_hand = 0;     // hosts whose lease this daemon holds now
    bool writes_files = false;         // the publishing leader: this daemon writes the output files
};

struct Metrics {
    SysTime started;
    std::uint64_t cycles = 0;
    std::map<std::string, std::uint64_t> attempts;  // by outcome: fetched, not_modified, http_error, parse_error…
    std::uint64_t new_items = 0;
    std::uint64_t updated_items = 0;
    std::uint64_t duplicate_items = 0;
    double last_cycle_seconds = 0;
    // Connections the HTTP server closed to admit new ones at http_max_connections: a steady
    // rise means idle or slow clients (or an attack) press on the cap.
    std::uint64_t http_connections_evicted = 0;
    std::vector<FeedGauges> feeds;
    std::vector<HostHoldGauge> host_holds;
    std::optional<SharingGauges> sharing;  // absent unless the database is shared
};

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const Metrics& metrics);

}  // namespace tributary::publish

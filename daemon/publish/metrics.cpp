#include "publish/metrics.hpp"

#include <fmt/format.h>

#include <chrono>

namespace tributary::publish {
namespace {

// Label values escape backslash, double quote and line feed (the format's only rules).
std::string label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

long long unix_seconds(SysTime t) { return static_cast<long long>(t.time_since_epoch().count()); }

}  // namespace

std::string render_metrics(const Metrics& m) {
    std::string out;
    family(out, "tributary_start_time_seconds", "gauge", "When the daemon started, Unix time.");
    out += fmt::format("tributary_start_time_seconds {}\n", unix_seconds(m.started));
    family(out, "tributary_cycles_total", "counter", "Polling cycles completed since start.");
    out += fmt::format("tributary_cycles_total {}\n", m.cycles);
    family(out, "tributary_last_cycle_duration_seconds", "gauge", "Duration of the last polling cycle.");
    out += fmt::format("tributary_last_cycle_duration_seconds {:.3f}\n", m.last_cycle_seconds);
    family(out, "tributary_feed_attempts_total", "counter", "Feed polls since start, by outcome.");
    for (const auto& [outcome, count] : m.attempts)
        out += fmt::format("tributary_feed_attempts_total{{outcome=\"{}\"}} {}\n", label(outcome), count);
    family(out, "tributary_items_total", "counter", "Items stored since start: new, updated, or new duplicates.");
    out += fmt::format("tributary_items_total{{kind=\"new\"}} {}\n", m.new_items);
    out += fmt::format("tributary_items_total{{kind=\"updated\"}} {}\n", m.updated_items);
    out += fmt::format("tributary_items_total{{kind=\"duplicate\"}} {}\n", m.duplicate_items);
    family(out, "tributary_http_connections_evicted_total", "counter",
           "Idle or slow HTTP connections closed to admit a new one at http_max_connections.");
    out += fmt::format("tributary_http_connections_evicted_total {}\n", m.http_connections_evicted);
    family(out, "tributary_feed_up", "gauge", "1 when the feed's last poll succeeded (200 or 304), else 0.");
    for (const FeedGauges& feed : m.feeds) {
        const bool up = feed.last_outcome == "fetched" || feed.last_outcome == "not_modified";
        out += fmt::format("tributary_feed_up{{feed=\"{}\"}} {}\n", label(feed.name), up ? 1 : 0);
    }
    family(out, "tributary_feed_consecutive_failures", "gauge", "Failed polls in a row, per feed.");
    for (const FeedGauges& feed : m.feeds)
        out += fmt::format("tributary_feed_consecutive_failures{{feed=\"{}\"}} {}\n", label(feed.name),
                           feed.consecutive_failures);
    family(out, "tributary_feed_last_success_timestamp_seconds", "gauge",
           "Unix time of the feed's last successful poll (absent: none yet).");
    for (const FeedGauges& feed : m.feeds)
        if (feed.last_success)
            out += fmt::format("tributary_feed_last_success_timestamp_seconds{{feed=\"{}\"}} {}\n", label(feed.name),
                               unix_seconds(*feed.last_success));
    family(out, "tributary_host_hold_until_timestamp_seconds", "gauge",
           "Unix time until which every feed of the host waits, at its server's request (Retry-After).");
    for (const HostHoldGauge& hold : m.host_holds)
        out += fmt::format("tributary_host_hold_until_timestamp_seconds{{host=\"{}\",feed=\"{}\"}} {}\n",
                           label(hold.host), label(hold.feed), unix_seconds(hold.until));
    if (!m.sharing) return out;
    const SharingGauges& sharing = *m.sharing;
    family(out, "tributary_feed_leases_total", "counter",
           "Due feeds since start, by what the shared database answered: leased to this daemon, refused "
           "(another daemon held the feed or its host), or failed (the database did not answer).");
    out += fmt::format("tributary_feed_leases_total{{result=\"leased\"}} {}\n", sharing.feeds_leased);
    out += fmt::format("tributary_feed_leases_total{{result=\"refused\"}} {}\n", sharing.feeds_refused);
    out += fmt::format("tributary_feed_leases_total{{result=\"failed\"}} {}\n", sharing.lease_failures);
    family(out, "tributary_hosts_leased", "gauge",
           "Hosts this daemon polls now, the other daemons leaving them alone.");
    out += fmt::format("tributary_hosts_leased {}\n", sharing.hosts_in_hand);
    family(out, "tributary_publishing_leader", "gauge",
           "1 when this daemon writes the output files for all daemons sharing the database, else 0.");
    out += fmt::format("tributary_publishing_leader {}\n", sharing.writes_files ? 1 : 0);
    return out;
}

}  // namespace tributary::publish

#pragma once
// What a reload changes: two loaded configurations compared section by section, in the names of
// the keys an operator writes in feeds.conf, and the one log line that says it.

#include <string>
#include <vector>

#include "core/types.hpp"

namespace tributary::config {

// A section present in both configurations whose keys differ.
struct SectionChange {
    std::string name;
    std::vector<std::string> keys;  // config keys, in the order feeds.conf(5) lists them

    friend bool operator==(const SectionChange&, const SectionChange&) = default;
};

struct ConfigDiff {
    std::vector<std::string> feeds_added;  // [feed NAME] sections, in file order
    std::vector<std::string> feeds_removed;
    std::vector<SectionChange> feeds_changed;
    std::vector<std::string> outputs_added;
    std::vector<std::string> outputs_removed;
    std::vector<SectionChange> outputs_changed;
    std::vector<std::string> daemon_changed;  // [daemon] keys other than listen
    std::string listen_before;                // "127.0.0.1:8080", "[::1]:8080"
    std::string listen_after;

    bool listen_changed() const { return listen_before != listen_after; }
    bool outputs_differ() const {
        return !outputs_added.empty() || !outputs_removed.empty() || !outputs_changed.empty();
    }
    bool empty() const;
};

// Section order, source lines and remarks are not differences.
ConfigDiff diff_configs(const Config& before, const Config& after);

// The [daemon] keys of `diff` that take effect only when the daemon starts again: the database,
// log_level, the fetch limits and the http_* limits.
std::vector<std::string> keys_needing_restart(const ConfigDiff& diff);

// One line, e.g. "feeds +2 -1 ~1 (+gamma, +delta, -beta, alpha: url, interval), outputs ~1
// (merged: title), listen 127.0.0.1:8080 -> 127.0.0.1:8081"; "no change" when empty. At most
// `max_named` sections are named; the rest are counted.
std::string describe(const ConfigDiff& diff, std::size_t max_named = 12);

// "host:port" as `listen` is written, with brackets around an IPv6 host.
std::string listen_address(const std::string& host, std::uint16_t port);

}  // namespace tributary::config

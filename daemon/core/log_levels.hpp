#pragma once
// The grammar of a log level setting, shared by feeds.conf's `log_level`, the
// TRIBUTARY_LOG environment variable and `--log-level`:
//
//   spec  = entry *( "," entry )
//   entry = level | stage "=" level
//   level = trace | debug | info | warn | error | critical | off
//   stage = schedule | fetch | parse | store | publish | http
//
// "debug" sets every logger; "info,fetch=debug" sets the daemon's logger to
// info and the fetch stage's to debug. Whitespace around entries is ignored;
// names are case-insensitive.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace tributary {

inline constexpr std::array<std::string_view, 6> kLogStages{"schedule", "fetch", "parse", "store", "publish", "http"};
inline constexpr std::array<std::string_view, 7> kLogLevelNames{"trace", "debug",    "info", "warn",
                                                                "error", "critical", "off"};

struct LogLevels {
    std::optional<std::string> base;                          // every logger without a stage entry
    std::vector<std::pair<std::string, std::string>> stages;  // stage -> level, one entry per stage

    // The level `stage` gets ("" names the daemon's own logger); nullopt when neither a stage
    // entry nor a base level says.
    std::optional<std::string> level_of(std::string_view stage) const;

    friend bool operator==(const LogLevels&, const LogLevels&) = default;
};

// Errors (ErrorKind::Config): "log level 'x,fetch=loud': unknown level 'loud' (expected trace, …)",
// "… unknown stage 'fech' (expected schedule, fetch, …)", "… empty entry".
Result<LogLevels> parse_log_levels(std::string_view spec);

// `upper` over `lower`: its base replaces lower's base and every stage entry of lower
// (a plain "debug" means every logger), then its stage entries replace lower's.
LogLevels overlay(LogLevels lower, const LogLevels& upper);

}  // namespace tributary

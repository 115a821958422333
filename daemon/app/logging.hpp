#pragma once
// Where log lines go and at which levels.
//
// Under systemd (stderr is the journal's stream, see stderr_is_journal) every line goes to the
// journal through spdlog's systemd sink, with its syslog priority and, for lines that begin
// "feed=NAME", the structured field FEED=NAME (journalctl FEED=alpha); elsewhere to stderr,
// with a timestamp. Loggers: the daemon's own (the default) and one per stage of
// core/log_levels.hpp, all sharing one sink.

#include <sys/uio.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/log_levels.hpp"

namespace spdlog::sinks {
class sink;
}

namespace tributary::app {

// Whether `fd` is the stream systemd connected to the journal: JOURNAL_STREAM (the value of
// the environment variable, may be null) is "DEVICE:INODE" in decimal and names fd's file.
// An inherited JOURNAL_STREAM whose stream was redirected elsewhere does not count.
bool stderr_is_journal(const char* journal_stream, int fd);

// "alpha" from "feed=alpha fetched in 12ms…"; "" for a line that names no feed first.
std::string_view feed_of(std::string_view message);

// sd_journal_sendv's shape: one "FIELD=value" per iovec; returns 0 or a negative errno.
using JournalSender = std::function<int(std::span<const iovec> fields)>;
// The journal sink: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=tributary, TRIBUTARY_STAGE (the
// logger, when it is a stage's) and FEED. `send` defaults to sd_journal_sendv.
std::shared_ptr<spdlog::sinks::sink> make_journal_sink(JournalSender send = {});

// The levels in force: `config_spec` (feeds.conf's log_level), then the TRIBUTARY_LOG
// environment variable (`env`, may be null) over it, then `cli_spec` (--log-level) over both;
// "info" when none says. A malformed TRIBUTARY_LOG is left out with a warning in `warnings`, so
// a typo in a unit's Environment= does not stop the service; the others are checked earlier
// (config::load_config, the command line), and a malformed one is treated the same way.
LogLevels choose_log_levels(std::string_view config_spec, const char* env, std::string_view cli_spec,
                            std::vector<std::string>& warnings);

// Installs the loggers (replacing any installed before) with choose_log_levels(config_spec,
// getenv("TRIBUTARY_LOG"), cli_spec), writing to the journal when
// stderr_is_journal(getenv("JOURNAL_STREAM"), 2), else to stderr; then logs its warnings.
void init_logging(std::string_view config_spec, std::string_view cli_spec = {});

}  // namespace tributary::app

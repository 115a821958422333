#pragma once
// The service manager's side of `run` (sd_notify(3)): readiness, reloads, stopping, a status
// line, and the watchdog. Each call is a no-op when systemd did not ask (no NOTIFY_SOCKET).

#include <chrono>
#include <optional>
#include <string_view>

namespace tributary::app {

void notify_ready(std::string_view status);
// Reloading must be followed by notify_ready once the new configuration is in place or rejected.
void notify_reloading();
void notify_stopping();
void notify_status(std::string_view status);

// How often to send WATCHDOG=1 when the unit has WatchdogSec= (half the interval systemd waits),
// or nullopt.
std::optional<std::chrono::microseconds> watchdog_period();
void notify_watchdog();

}  // namespace tributary::app

#include "app/systemd_notify.hpp"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <cstdint>
#include <ctime>
#include <string>

namespace tributary::app {
namespace {

void send(const std::string& state) {
    // A failure to reach the manager is nothing the daemon can act on; it keeps working.
    (void)sd_notify(0, state.c_str());
}

std::uint64_t monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

}  // namespace

void notify_ready(std::string_view status) { send(fmt::format("READY=1\nSTATUS={}", status)); }

// MONOTONIC_USEC lets systemd (253 and later) tell this reload from an earlier one.
void notify_reloading() { send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec())); }

void notify_stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void notify_status(std::string_view status) { send(fmt::format("STATUS={}", status)); }

std::optional<std::chrono::microseconds> watchdog_period() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds{static_cast<std::int64_t>(usec / 2)};
}

void notify_watchdog() { send("WATCHDOG=1"); }

}  // namespace tributary::app

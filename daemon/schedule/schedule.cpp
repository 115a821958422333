#include "schedule/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace tributary::schedule {
namespace {

Seconds with_jitter(Seconds base, double jitter_fraction, double jitter_unit) {
    const double unit = std::clamp(jitter_unit, -1.0, 1.0);
    const double factor = 1.0 + jitter_fraction * unit;
    return Seconds{std::max<std::int64_t>(1, std::llround(static_cast<double>(base.count()) * factor))};
}

}  // namespace

std::string format_duration(Seconds d) {
    std::int64_t s = d.count();
    if (s <= 0) return "0s";
    std::string out;
    const std::pair<std::int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    for (const auto& [size, suffix] : units) {
        if (s >= size) {
            out += std::to_string(s / size) + suffix;
            s %= size;
        }
    }
    return out;
}

Seconds effective_interval(const ScheduleSettings& settings, std::optional<Seconds> feed_interval) {
    const Seconds wanted = feed_interval.value_or(settings.default_interval);
    return std::clamp(wanted, settings.min_interval, std::max(settings.min_interval, settings.max_interval));
}

Decision at_startup(const ScheduleSettings& settings, std::optional<SysTime> stored_next_due, bool ever_fetched,
                    SysTime now, double spread_unit) {
    if (stored_next_due && *stored_next_due > now) return {*stored_next_due, "stored schedule"};
    const double unit = std::clamp(spread_unit, 0.0, 1.0);
    const auto offset = Seconds{std::llround(static_cast<double>(settings.startup_spread.count()) * unit)};
    return {now + offset, ever_fetched ? "overdue after downtime" : "first poll"};
}

Decision after_attempt(const ScheduleSettings& settings, std::optional<Seconds> feed_interval, int consecutive_failures,
                       std::optional<Seconds> retry_after, SysTime now, double jitter_unit) {
    const Seconds interval = effective_interval(settings, feed_interval);
    if (consecutive_failures <= 0) {
        return {now + with_jitter(interval, settings.jitter, jitter_unit), "interval " + format_duration(interval)};
    }
    // 2^(n-1) without overflow: past 2^20 the cap has long been reached.
    const int doublings = std::min(consecutive_failures - 1, 20);
    const auto uncapped = interval.count() * (std::int64_t{1} << doublings);
    const Seconds backoff{std::min<std::int64_t>(uncapped, settings.max_backoff.count())};
    Seconds wait = with_jitter(backoff, settings.jitter, jitter_unit);
    std::string reason = "backoff after " + std::to_string(consecutive_failures) +
                         (consecutive_failures == 1 ? " failure" : " failures");
    if (retry_after && *retry_after > wait) {
        wait = std::min(*retry_after, std::max(settings.max_interval, settings.max_backoff));
        reason = "Retry-After " + format_duration(*retry_after);
    }
    return {now + wait, std::move(reason)};
}

void DueQueue::set(const std::string& feed, SysTime due) {
    remove(feed);
    due_by_feed_.emplace(feed, due);
    order_.emplace(due, feed);
}

void DueQueue::remove(const std::string& feed) {
    if (const auto it = due_by_feed_.find(feed); it != due_by_feed_.end()) {
        order_.erase({it->second, feed});
        due_by_feed_.erase(it);
    }
}

std::optional<SysTime> DueQueue::earliest() const {
    if (order_.empty()) return std::nullopt;
    return order_.begin()->first;
}

std::vector<std::string> DueQueue::take_due(SysTime now) {
    std::vector<std::string> due;
    while (!order_.empty() && order_.begin()->first <= now) {
        due.push_back(order_.begin()->second);
        due_by_feed_.erase(order_.begin()->second);
        order_.erase(order_.begin());
    }
    return due;
}

}  // namespace tributary::schedule

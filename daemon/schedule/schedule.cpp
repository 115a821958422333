#include "schedule/schedule.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>
#include <vector>

namespace tributary::schedule {
namespace {

Seconds with_jitter(Seconds base, double jitter_fraction, double jitter_unit) {
    const double unit = std::clamp(jitter_unit, -1.0, 1.0);
    const double factor = 1.0 + jitter_fraction * unit;
    return Seconds{std::max<std::int64_t>(1, std::llround(static_cast<double>(base.count()) * factor))};
}

constexpr std::int64_t kMaxDeltaSeconds = std::int64_t{1} << 31;  // RFC 9111 5.2: a larger value is taken as 2^31

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string_view trim_ws(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> delta_seconds(std::string_view v) {
    v = trim_ws(v);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (!all_digits(v)) return std::nullopt;
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc::result_out_of_range || (ec == std::errc{} && n > kMaxDeltaSeconds)) return kMaxDeltaSeconds;
    if (ec != std::errc{}) return std::nullopt;
    return n;
}

int weekday_of(SysTime t) {
    return static_cast<int>(std::chrono::weekday{std::chrono::floor<std::chrono::days>(t)}.c_encoding());
}

int hour_of(SysTime t) {
    const auto since_midnight = t - std::chrono::floor<std::chrono::days>(t);
    return static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(since_midnight).count());
}

// "14:05" on the same UTC day as `now`, "Mon 14:05" within the week, else "2026-12-01 14:05".
std::string clock_text(SysTime t, SysTime now) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const auto tod = std::chrono::hh_mm_ss{t - day};
    char hm[8];
    std::snprintf(hm, sizeof hm, "%02d:%02d", static_cast<int>(tod.hours().count()),
                  static_cast<int>(tod.minutes().count()));
    const auto today = std::chrono::floor<std::chrono::days>(now);
    if (day == today) return hm;
    if (day > today && day - today < std::chrono::days{7}) {
        return std::string(kDayNames[static_cast<std::size_t>(weekday_of(t))]) + " " + hm;
    }
    const std::chrono::year_month_day ymd{day};
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return std::string(date) + " " + hm;
}

// Rule 8 of plan(): moves d.due out of skipped hours and days.
void apply_skips(Decision& d, std::uint32_t skip_hours, std::uint8_t skip_days, SysTime now) {
    constexpr std::uint32_t kAllHours = (1u << 24) - 1;
    constexpr std::uint8_t kAllDays = (1u << 7) - 1;
    const std::uint32_t hours = (skip_hours & kAllHours) == kAllHours ? 0 : skip_hours & kAllHours;
    const std::uint8_t days = (skip_days & kAllDays) == kAllDays ? 0 : static_cast<std::uint8_t>(skip_days & kAllDays);
    if (hours == 0 && days == 0) return;
    auto day_skipped = [&](SysTime t) { return (days >> weekday_of(t)) & 1u; };
    auto hour_skipped = [&](SysTime t) { return (hours >> hour_of(t)) & 1u; };
    SysTime t = d.due;
    if (!day_skipped(t) && !hour_skipped(t)) return;
    const bool by_day = day_skipped(t);
    // At most 7 days of 24 hours to look through; some hour of some day is allowed.
    for (int i = 0; i < 8 * 24 && (day_skipped(t) || hour_skipped(t)); ++i) {
        t = std::chrono::floor<std::chrono::hours>(t) + std::chrono::hours{1};
    }
    d.due = t;
    d.reason += std::string(d.reason.empty() ? "" : "; ") + (by_day ? "skipDays until " : "skipHours until ") +
                clock_text(t, now);
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

std::vector<std::string> DueQueue::take_due(SysTime now, std::size_t limit) {
    std::vector<std::string> due;
    while (!order_.empty() && order_.begin()->first <= now && due.size() < limit) {
        due.push_back(order_.begin()->second);
        due_by_feed_.erase(order_.begin()->second);
        order_.erase(order_.begin());
    }
    return due;
}

Decision plan(const ScheduleSettings& settings, const Hints& hints, const Attempt& attempt, SysTime now,
              double jitter_unit) {
    const Seconds longest = std::max(settings.min_interval, settings.max_interval);
    if (attempt.kind == AttemptKind::gone) return {now + longest, "gone (410): polling stopped"};

    Decision d;
    if (attempt.kind == AttemptKind::failure) {
        d = after_attempt(settings, hints.configured, std::max(1, attempt.consecutive_failures), attempt.retry_after,
                          now, jitter_unit);
    } else {
        const Seconds configured = effective_interval(settings, hints.configured);
        Seconds interval = configured;
        std::string reason = "interval " + format_duration(configured);
        if (hints.publish_interval && *hints.publish_interval > Seconds{0}) {
            const Seconds floor = std::max(configured / 2, settings.min_interval);
            const Seconds adaptive = std::clamp(*hints.publish_interval / 2, floor, std::max(floor, longest));
            if (adaptive != configured) {
                interval = adaptive;
                reason = "adaptive " + format_duration(adaptive);
            }
        }
        if (hints.feed_ttl && std::min(*hints.feed_ttl, longest) > interval) {
            interval = std::min(*hints.feed_ttl, longest);
            reason = "ttl " + format_duration(interval);
        }
        d = {now + with_jitter(interval, settings.jitter, jitter_unit), std::move(reason)};
        if (hints.fresh_until) {
            const SysTime fresh = std::min(*hints.fresh_until, now + longest);
            if (fresh > d.due) d = {fresh, "Cache-Control until " + clock_text(fresh, now)};
        }
    }
    apply_skips(d, hints.skip_hours, hints.skip_days, now);
    return d;
}

std::optional<Seconds> update_publish_interval(std::optional<Seconds> previous, int new_items,
                                               Seconds since_last_success) {
    if (since_last_success <= Seconds{0}) return previous;
    constexpr Seconds kLongest{365LL * 86400};  // keeps the arithmetic small after a long downtime
    const Seconds since = std::min(since_last_success, kLongest);
    auto blend = [](Seconds old_value, Seconds sample) {  // EWMA, weight 1/4 for the new sample
        const double mixed = 0.75 * static_cast<double>(old_value.count()) + 0.25 * static_cast<double>(sample.count());
        return Seconds{std::max<std::int64_t>(1, std::llround(mixed))};
    };
    if (new_items <= 0) {
        if (previous && since > *previous) return blend(*previous, since);
        return previous;
    }
    const Seconds sample{std::max<std::int64_t>(1, since.count() / new_items)};
    if (!previous) return sample;
    return blend(*previous, sample);
}

std::optional<SysTime> parse_http_date(std::string_view text) {
    std::vector<std::string_view> tokens;
    std::size_t pos = 0;
    const std::string_view s = text;
    while (pos < s.size()) {
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == ',' || s[pos] == '-')) ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && s[pos] != ' ' && s[pos] != '\t' && s[pos] != ',' && s[pos] != '-') ++pos;
        if (pos > start) tokens.push_back(s.substr(start, pos - start));
    }
    auto month_of = [](std::string_view t) -> int {
        const std::string m = lower(t);
        for (std::size_t i = 0; i < kMonthNames.size(); ++i)
            if (m == kMonthNames[i]) return static_cast<int>(i) + 1;
        return 0;
    };
    auto number = [](std::string_view t, int& out) {
        if (!all_digits(t) || t.size() > 4) return false;
        std::from_chars(t.data(), t.data() + t.size(), out);
        return true;
    };
    if (tokens.size() < 5) return std::nullopt;
    std::size_t i = 0;
    if (month_of(tokens[0]) == 0 && !all_digits(tokens[0])) ++i;  // the weekday name, not checked
    int day = 0, month = 0, year = 0;
    std::string_view time, zone;
    if (i + 3 < tokens.size() && month_of(tokens[i]) != 0) {  // asctime: Nov  6 08:49:37 1994
        month = month_of(tokens[i]);
        if (!number(tokens[i + 1], day) || !number(tokens[i + 3], year)) return std::nullopt;
        time = tokens[i + 2];
        if (i + 4 < tokens.size()) zone = tokens[i + 4];
    } else if (i + 3 < tokens.size()) {  // 06 Nov 1994 08:49:37 GMT, 06-Nov-94 08:49:37 GMT
        month = month_of(tokens[i + 1]);
        if (!number(tokens[i], day) || !number(tokens[i + 2], year)) return std::nullopt;
        if (tokens[i + 2].size() == 2) year += year < 70 ? 2000 : 1900;
        time = tokens[i + 3];
        if (i + 4 < tokens.size()) zone = tokens[i + 4];
    }
    if (month == 0 || time.size() != 8 || time[2] != ':' || time[5] != ':') return std::nullopt;
    int hh = 0, mm = 0, ss = 0;
    if (!number(time.substr(0, 2), hh) || !number(time.substr(3, 2), mm) || !number(time.substr(6, 2), ss)) {
        return std::nullopt;
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    const std::string z = lower(zone);
    if (!z.empty() && z != "gmt" && z != "utc" && z != "z" && z != "+0000") return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    return SysTime{std::chrono::sys_days{ymd}} + std::chrono::hours{hh} + std::chrono::minutes{mm} +
           Seconds{std::min(ss, 59)};
}

std::optional<SysTime> fresh_until(std::string_view cache_control, std::string_view expires, SysTime now) {
    std::optional<std::int64_t> max_age, s_maxage;
    std::size_t pos = 0;
    while (pos <= cache_control.size()) {
        const std::size_t comma = std::min(cache_control.find(',', pos), cache_control.size());
        const std::string_view directive = trim_ws(cache_control.substr(pos, comma - pos));
        pos = comma + 1;
        const std::size_t eq = directive.find('=');
        const std::string name = lower(trim_ws(directive.substr(0, eq)));
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : directive.substr(eq + 1);
        if ((name == "no-store" || name == "no-cache") && eq == std::string_view::npos) return std::nullopt;
        if (name == "max-age" && !max_age) max_age = delta_seconds(value);
        if (name == "s-maxage" && !s_maxage) s_maxage = delta_seconds(value);
    }
    if (s_maxage) return now + Seconds{*s_maxage};
    if (max_age) return now + Seconds{*max_age};
    if (trim_ws(expires).empty()) return std::nullopt;
    return parse_http_date(expires);  // invalid ("0", "-1"): already expired
}

void HostHolds::hold(const std::string& host, SysTime until, std::string feed) {
    if (host.empty()) return;
    auto [it, inserted] = holds_.try_emplace(host, HostHold{.until = until, .feed = feed});
    if (!inserted && until > it->second.until) it->second = HostHold{.until = until, .feed = std::move(feed)};
}

std::optional<SysTime> HostHolds::held_until(const std::string& host, SysTime now) const {
    const auto it = holds_.find(host);
    if (it == holds_.end() || it->second.until <= now) return std::nullopt;
    return it->second.until;
}

void HostHolds::release(const std::string& host) { holds_.erase(host); }

void HostHolds::prune(SysTime now) {
    std::erase_if(holds_, [now](const auto& entry) { return entry.second.until <= now; });
}

SysTime host_hold_end(const ScheduleSettings& settings, SysTime now, Seconds retry_after) {
    return now + std::clamp(retry_after, Seconds{0}, settings.max_backoff);
}

std::string host_of(std::string_view url) {
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return {};
    const std::string scheme = lower(trim_ws(url.substr(0, sep)));
    if (scheme != "http" && scheme != "https") return {};
    std::string_view authority = url.substr(sep + 3);
    authority = authority.substr(0, authority.find_first_of("/?#\\"));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host;
    if (authority.starts_with('[')) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return {};
        host = authority.substr(0, close + 1);
    } else {
        host = authority.substr(0, authority.find(':'));
        while (host.ends_with('.')) host.remove_suffix(1);
    }
    return lower(host);
}

}  // namespace tributary::schedule

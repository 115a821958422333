#include "publish/http_rules.hpp"

#include <array>
#include <chrono>

#include "core/text.hpp"

namespace tributary::publish {
namespace {

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); anything
// malformed counts as acceptable (q=1), as the header is advisory.
bool qvalue_is_zero(std::string_view q) noexcept {
    if (q.empty() || q.front() != '0') return false;
    q.remove_prefix(1);
    if (q.empty()) return true;
    if (q.front() != '.') return false;
    q.remove_prefix(1);
    for (const char c : q)
        if (c != '0') return false;
    return true;
}

int two_digits(std::string_view s, std::size_t at) noexcept {
    const char a = s[at], b = s[at + 1];
    if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
    return (a - '0') * 10 + (b - '0');
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) noexcept {
    std::optional<bool> gzip;  // set when gzip / x-gzip is listed
    bool star = false;
    while (!accept_encoding.empty()) {
        const std::size_t comma = accept_encoding.find(',');
        std::string_view member = accept_encoding.substr(0, comma);
        accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size() : comma + 1);

        const std::size_t semi = member.find(';');
        const std::string_view coding = trim_ows(member.substr(0, semi));
        bool zero = false;
        if (semi != std::string_view::npos) {
            std::string_view params = member.substr(semi + 1);
            while (!params.empty()) {
                const std::size_t next = params.find(';');
                const std::string_view param = trim_ows(params.substr(0, next));
                params.remove_prefix(next == std::string_view::npos ? params.size() : next + 1);
                if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q')) {
                    const std::string_view rest = trim_ows(param.substr(1));
                    if (!rest.empty() && rest.front() == '=') zero = qvalue_is_zero(trim_ows(rest.substr(1)));
                }
            }
        }
        if (iequals_ascii(coding, "gzip") || iequals_ascii(coding, "x-gzip")) {
            // The most favourable listing wins if a client repeats itself.
            gzip = gzip.value_or(false) || !zero;
        } else if (coding == "*") {
            star = !zero;
        }
    }
    return gzip.value_or(star);
}

bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) noexcept {
    if (trim_ows(if_none_match) == "*") return true;
    const auto opaque = [](std::string_view tag) {
        if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
        return tag;
    };
    const std::string_view ours = opaque(trim_ows(etag));
    std::string_view s = if_none_match;
    while (!s.empty()) {
        while (!s.empty() && (is_ows(s.front()) || s.front() == ',')) s.remove_prefix(1);
        if (s.empty()) break;
        std::size_t start = 0;
        if (s.size() >= 2 && s[0] == 'W' && s[1] == '/') start = 2;
        if (start >= s.size() || s[start] != '"') {
            // Not an entity-tag: skip to the next member.
            const std::size_t comma = s.find(',');
            if (comma == std::string_view::npos) break;
            s.remove_prefix(comma + 1);
            continue;
        }
        const std::size_t close = s.find('"', start + 1);
        if (close == std::string_view::npos) break;  // unterminated: ignore the rest
        const std::string_view theirs = s.substr(start, close + 1 - start);
        if (theirs == ours) return true;
        s.remove_prefix(close + 1);
    }
    return false;
}

std::optional<SysTime> parse_http_date(std::string_view value) noexcept {
    // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters, fixed positions.
    value = trim_ows(value);
    if (value.size() != 29) return std::nullopt;
    static constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    bool day_ok = false;
    for (const std::string_view d : kDays) day_ok = day_ok || value.substr(0, 3) == d;
    if (!day_ok || value.substr(3, 2) != ", " || value[7] != ' ' || value[11] != ' ' || value[16] != ' ' ||
        value[19] != ':' || value[22] != ':' || value.substr(25) != " GMT")
        return std::nullopt;
    unsigned month = 0;
    for (unsigned m = 0; m < kMonths.size(); ++m)
        if (value.substr(8, 3) == kMonths[m]) month = m + 1;
    const int day = two_digits(value, 5);
    const int year_hi = two_digits(value, 12), year_lo = two_digits(value, 14);
    const int hour = two_digits(value, 17), minute = two_digits(value, 20), second = two_digits(value, 23);
    if (month == 0 || day < 1 || year_hi < 0 || year_lo < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60)
        return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year{year_hi * 100 + year_lo}, std::chrono::month{month},
                             std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    // A leap second (":60") is clamped to the second before it.
    return SysTime{sys_days{ymd}} + hours{hour} + minutes{minute} + seconds{second == 60 ? 59 : second};
}

std::string_view request_path(std::string_view target) noexcept {
    if (target.starts_with("http://") || target.starts_with("https://")) {
        const std::size_t authority = target.find("://") + 3;
        const std::size_t slash = target.find('/', authority);
        const std::size_t query = target.find_first_of("?#", authority);
        if (slash == std::string_view::npos || (query != std::string_view::npos && query < slash)) return "/";
        target.remove_prefix(slash);
    }
    return target.substr(0, target.find_first_of("?#"));
}

}  // namespace tributary::publish

#include "core/text.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

namespace tributary {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Decodes one UTF-8 sequence at s[i]; returns the code point and its length,
// or length 0 when the sequence is ill-formed.
struct Decoded {
    char32_t cp;
    std::size_t len;
};

Decoded decode_one(std::string_view s, std::size_t i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return {b0, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else
        return {0, 0};
    if (i + len > s.size()) return {0, 0};
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return {0, 0};
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
    return {cp, len};
}

bool xml_allowed(char32_t cp) noexcept {
    if (cp < 0x20) return cp == 0x09 || cp == 0x0A || cp == 0x0D;
    return cp != 0xFFFE && cp != 0xFFFF;
}

}  // namespace

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool is_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t state) noexcept {
    std::uint64_t h = state;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string hex64(std::uint64_t value) {
    std::array<char, 17> buf{};
    std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(value));
    return std::string(buf.data(), 16);
}

bool is_valid_utf8(std::string_view s) noexcept { return simdjson::validate_utf8(s.data(), s.size()); }

std::string xml_safe_utf8(std::string_view s) {
    if (is_clean_utf8(s, true)) return std::string(s);
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const Decoded d = decode_one(s, i);
        if (d.len == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for each ill-formed byte
            ++i;
            continue;
        }
        if (xml_allowed(d.cp)) out.append(s.substr(i, d.len));
        i += d.len;
    }
    return out;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 8);
    for (std::size_t i = 0; i < text.size();) {
        if (out.size() >= max_bytes) {
            out += "\u2026";
            break;
        }
        const Decoded d = decode_one(text, i);
        const bool control = d.len == 0 || d.cp < 0x20 || d.cp == 0x7F || (d.cp >= 0x80 && d.cp < 0xA0) ||
                             d.cp == 0x2028 || d.cp == 0x2029;  // line separators end a line in some viewers
        if (d.len == 1 && d.cp == '\\') {
            out += "\\\\";
        } else if (control) {
            // One escape per byte: the bytes of an escaped character stay recoverable.
            const std::size_t len = d.len == 0 ? 1 : d.len;
            for (std::size_t k = 0; k < len; ++k) {
                const auto b = static_cast<unsigned char>(text[i + k]);
                out += "\\x";
                out += kHex[b >> 4];
                out += kHex[b & 0xF];
            }
            i += len;
            continue;
        } else {
            out.append(text.substr(i, d.len));
        }
        i += d.len == 0 ? 1 : d.len;
    }
    return out;
}

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decoded(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

UrlUserinfo split_userinfo(std::string_view url) {
    UrlUserinfo out{.url = std::string(url), .username = {}, .password = {}, .present = false};
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return out;
    const std::size_t start = scheme_end + 3;
    const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
    // The last '@' of the authority: a password may itself hold an unescaped '@'.
    const std::size_t at = url.substr(start, end - start).rfind('@');
    if (at == std::string_view::npos) return out;
    const std::string_view userinfo = url.substr(start, at);
    const std::size_t colon = userinfo.find(':');
    out.username = percent_decoded(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = percent_decoded(userinfo.substr(colon + 1));
    out.url = std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
    out.present = true;
    return out;
}

namespace {

struct Civil {
    int year;
    unsigned month, day, weekday, hour, minute, second;
};

// Locale-independent: the names in RFC 1123 are English whatever LC_TIME says.
Civil to_civil(SysTime t) {
    using namespace std::chrono;
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{t - day};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            weekday{day}.c_encoding(),
            static_cast<unsigned>(hms.hours().count()),
            static_cast<unsigned>(hms.minutes().count()),
            static_cast<unsigned>(hms.seconds().count())};
}

}  // namespace

std::string format_rfc1123(SysTime t) {
    static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const Civil c = to_civil(t);
    std::array<char, 64> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%s, %02u %s %04d %02u:%02u:%02u GMT", kDays[c.weekday], c.day,
                                kMonths[c.month - 1], c.year, c.hour, c.minute, c.second);
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::string format_rfc3339(SysTime t) {
    const Civil c = to_civil(t);
    std::array<char, 64> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02u:%02u:%02uZ", c.year, c.month, c.day,
                                c.hour, c.minute, c.second);
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::optional<SysTime> parse_rfc3339_utc(std::string_view text) {
    if (text.size() != 20) return std::nullopt;
    int year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
    char zone = 0;
    const std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%2u%c", &year, &month, &day, &hour, &minute, &second, &zone) !=
            7 ||
        zone != 'Z')
        return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
    return SysTime{std::chrono::sys_days{date}} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
           std::chrono::seconds{second};
}

}  // namespace tributary

#include "core/text.hpp"

#include <simdjson.h>

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

std::uint64_t fnv1a64(std::string_view bytes) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
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

}  // namespace tributary

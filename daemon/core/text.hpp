#pragma once
// Small string helpers shared by several stages. Pure, no I/O.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace tributary {

std::string_view trim(std::string_view s) noexcept;  // ASCII whitespace only
std::string to_lower_ascii(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;
bool is_ascii(std::string_view s) noexcept;  // no byte above 0x7F

// FNV-1a 64: stable across builds and platforms, so it may be persisted
// (std::hash may not).
inline constexpr std::uint64_t kFnv1a64Basis = 0xcbf29ce484222325ULL;
// `state`: the hash of the bytes before these, to hash a text given in pieces without joining it.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t state = kFnv1a64Basis) noexcept;
std::string hex64(std::uint64_t value);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates). SIMD (simdjson's
// validator), so whole documents are checked at memory speed.
bool is_valid_utf8(std::string_view s) noexcept;

// True when `s` is well-formed UTF-8 and, if `xml_safe`, holds no code point XML 1.0 forbids
// (C0 controls but TAB/LF/CR, U+FFFE, U+FFFF). Eight ASCII bytes at a time where it can.
inline bool is_clean_utf8(std::string_view s, bool xml_safe) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            std::uint64_t word = 0;
            std::memcpy(&word, p + i, 8);
            // No byte >= 0x80, and (when it matters) none below 0x20: the "has less than"
            // bit trick; TAB, LF and CR also trip it and are then judged one byte at a time.
            const bool ascii = (word & 0x8080808080808080ULL) == 0;
            const bool no_control = ((word - 0x2020202020202020ULL) & ~word & 0x8080808080808080ULL) == 0;
            if (ascii && (!xml_safe || no_control)) {
                i += 8;
                continue;
            }
        }
        const unsigned char b0 = p[i];
        if (b0 < 0x80) {
            if (xml_safe && b0 < 0x20 && b0 != '\t' && b0 != '\n' && b0 != '\r') return false;
            ++i;
            continue;
        }
        const auto cont = [&](std::size_t k, unsigned char lo, unsigned char hi) {
            return i + k < n && p[i + k] >= lo && p[i + k] <= hi;
        };
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            if (!cont(1, 0x80, 0xBF)) return false;
            i += 2;
            // Arabic, Cyrillic, Greek, Hebrew and accented Latin: runs of two-byte sequences.
            while (i + 1 < n && p[i] >= 0xC2 && p[i] <= 0xDF && (p[i + 1] & 0xC0) == 0x80) i += 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
            const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
            if (!cont(1, lo, hi) || !cont(2, 0x80, 0xBF)) return false;
            if (xml_safe && b0 == 0xEF && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF)) return false;
            i += 3;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
            const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
            if (!cont(1, lo, hi) || !cont(2, 0x80, 0xBF) || !cont(3, 0x80, 0xBF)) return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

// Replaces ill-formed UTF-8 sequences with U+FFFD and removes code points that
// XML 1.0 forbids (C0 controls but TAB/LF/CR, U+FFFE/U+FFFF). Output is always
// safe to place in an XML 1.0 document. A string that is already (is_clean_utf8) is copied in
// one piece: most are, and a merged feed passes every title and description through here.
std::string xml_safe_utf8(std::string_view s);

// Text that came from a server, a feed or a file, made safe for one log line, `status` or a
// terminal: C0 and C1 controls, DEL and ill-formed UTF-8 bytes become \xNN (a backslash becomes
// \\), so a hostile Location or error text can neither forge log lines nor drive a terminal.
// Longer than `max_bytes`: cut at a character boundary, with "…" appended.
std::string printable(std::string_view text, std::size_t max_bytes = 2048);

// The user info of an http(s) URL ("http://user:secret@host/…") is a credential: the URL
// without it, and the user name and password it carried, percent-decoded. `present` is false
// (and `url` the input unchanged) when there is none.
struct UrlUserinfo {
    std::string url;
    std::string username;
    std::string password;
    bool present = false;
};
UrlUserinfo split_userinfo(std::string_view url);

// "Mon, 29 Dec 2025 11:02:17 GMT" and "2025-12-29T11:02:17Z".
std::string format_rfc1123(SysTime t);
std::string format_rfc3339(SysTime t);
// The inverse of format_rfc3339, for that exact shape only ("2025-12-29T11:02:17Z"); nullopt else.
std::optional<SysTime> parse_rfc3339_utc(std::string_view text);

// The UTF-8 of one code point (the caller has checked that it is one).
inline void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace tributary

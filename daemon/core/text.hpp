#pragma once
// Small string helpers shared by several stages. Pure, no I/O.

#include <cstdint>
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

// Replaces ill-formed UTF-8 sequences with U+FFFD and removes code points that
// XML 1.0 forbids (C0 controls but TAB/LF/CR, U+FFFE/U+FFFF). Output is always
// safe to place in an XML 1.0 document.
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

#pragma once
// Small string helpers shared by several stages. Pure, no I/O.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace tributary {

std::string_view trim(std::string_view s) noexcept;  // ASCII whitespace only
std::string to_lower_ascii(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;

// FNV-1a 64: stable across builds and platforms, so it may be persisted
// (std::hash may not).
std::uint64_t fnv1a64(std::string_view bytes) noexcept;
std::string hex64(std::uint64_t value);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates). SIMD (simdjson's
// validator), so whole documents are checked at memory speed.
bool is_valid_utf8(std::string_view s) noexcept;

// Replaces ill-formed UTF-8 sequences with U+FFFD and removes code points that
// XML 1.0 forbids (C0 controls but TAB/LF/CR, U+FFFE/U+FFFF). Output is always
// safe to place in an XML 1.0 document.
std::string xml_safe_utf8(std::string_view s);

// "Mon, 29 Dec 2025 11:02:17 GMT" and "2025-12-29T11:02:17Z".
std::string format_rfc1123(SysTime t);
std::string format_rfc3339(SysTime t);

}  // namespace tributary

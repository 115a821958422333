#pragma once
// Fast paths for the two UTF-8 checks every string of a feed goes through. Most feed text is
// already clean (the document was converted to valid UTF-8 and repaired before pugixml saw it),
// so the common case is one pass that copies; only a string that needs fixing pays for
// core's xml_safe_utf8.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "core/text.hpp"

namespace tributary::parse {

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

using tributary::append_utf8;  // core/text.hpp

// xml_safe_utf8 with a fast path for strings that are already clean (then copied, or moved).
inline std::string xml_safe(std::string_view s) {
    if (is_clean_utf8(s, true)) return std::string(s);
    return xml_safe_utf8(s);
}
inline std::string xml_safe(std::string&& s) {
    if (is_clean_utf8(s, true)) return std::move(s);
    return xml_safe_utf8(s);
}

}  // namespace tributary::parse

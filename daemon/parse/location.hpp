#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace tributary::parse {

struct Location {
    std::size_t line = 1;
    std::size_t column = 1;
};

// Line and column of a byte offset. Columns count characters, not bytes, so that they match
// what an editor shows for Arabic.
inline Location location_of(std::string_view text, std::ptrdiff_t offset) {
    Location location;
    const std::size_t end = std::min(text.size(), static_cast<std::size_t>(std::max<std::ptrdiff_t>(offset, 0)));
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++location.line;
            location.column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++location.column;
        }
    }
    return location;
}

}  // namespace tributary::parse

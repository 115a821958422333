#pragma once
// Fast paths for the two UTF-8 checks every string of a feed goes through. Most feed text is
// already clean (the document was converted to valid UTF-8 and repaired before pugixml saw it),
// so the common case is one pass that copies; only a string that needs fixing pays for
// core's xml_safe_utf8.

#include <string>
#include <string_view>
#include <utility>

#include "core/text.hpp"

namespace tributary::parse {

using tributary::append_utf8;    // core/text.hpp
using tributary::is_clean_utf8;  // core/text.hpp

// xml_safe_utf8, which copies a clean string whole; a clean string of our own is moved instead.
inline std::string xml_safe(std::string_view s) { return xml_safe_utf8(s); }
inline std::string xml_safe(std::string&& s) {
    if (is_clean_utf8(s, true)) return std::move(s);
    return xml_safe_utf8(s);
}

}  // namespace tributary::parse

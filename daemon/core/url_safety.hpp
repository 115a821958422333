#pragma once
// The one rule for every URL we publish or resolve against (STYLE.md I, "What we publish is what
// we vouch for"): parse checks it after resolution, publish checks it again before writing.

#include <string_view>

namespace tributary {

// True when `url` begins, at its very first byte, with "http://" or "https://" (any case) and has
// something after it. Nothing is cleaned or decoded first, on purpose: a browser skips leading
// spaces and controls, drops tabs and newlines anywhere and, in HTML, decodes character
// references, so " javascript:", "java\tscript:" and "&#106;avascript:" all carry a scheme other
// than the one they seem to. Demanding the scheme literally at byte 0 refuses every such disguise
// without having to know them all.
bool is_publishable_url(std::string_view url) noexcept;

// is_publishable_url, or "mailto:" (any case) with an address after it: what a link in HTML may
// point to. Images, quotes and every other fetched resource stay http(s) only.
bool is_publishable_href(std::string_view url) noexcept;

}  // namespace tributary

#pragma once
// How a browser reads a URL value's scheme: what the URL-safety tests check our output against.

#include <string>
#include <string_view>

namespace tributary::testing {

// The scheme a browser reads from a decoded URL value, lower-cased; "" when it reads the value
// as relative (WHATWG URL: leading C0 controls and spaces skipped, tab and newlines removed
// anywhere, then a letter and letters, digits, '+', '-', '.').
std::string browser_scheme(std::string_view url);

}  // namespace tributary::testing

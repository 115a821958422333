#pragma once
// Which redirect targets the fetcher follows: only http/https, never from https down to
// http. Pure functions over libcurl's URL parser; loop and hop limits are the Fetcher's.

#include <optional>
#include <string>
#include <string_view>

namespace tributary::fetch {

struct RedirectTarget {
    std::string url;      // absolute and normalised as libcurl would request it ("" when unparseable)
    std::string refusal;  // why it must not be followed; "" when it may
};

// `from` is the absolute URL that answered with `location` (absolute or relative).
RedirectTarget check_redirect(std::string_view from, std::string_view location);

// The absolute URL normalised as libcurl would request it, or nullopt when unparseable.
std::optional<std::string> normalize_url(std::string_view url);

}  // namespace tributary::fetch

#pragma once
// The pure parts of HTTP the server needs (RFC 9110), kept apart from the
// sockets so they can be tested one header value at a time.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace tributary::publish {

// True when an Accept-Encoding value lets us send gzip: "gzip" or "x-gzip"
// with q > 0, or "*" with q > 0 when gzip is not listed. Empty: false.
bool accepts_gzip(std::string_view accept_encoding) noexcept;

// If-None-Match evaluation with the weak comparison (W/ ignored on both
// sides): true for "*" or when any listed entity-tag matches `etag`.
bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) noexcept;

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); nullopt when anything is off.
std::optional<SysTime> parse_http_date(std::string_view value) noexcept;

// The path of a request target: query and fragment removed, and the scheme
// and authority of an absolute-form target ("http://host/x" -> "/x").
std::string_view request_path(std::string_view target) noexcept;

}  // namespace tributary::publish

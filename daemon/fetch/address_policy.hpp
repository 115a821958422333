#pragma once
// The SSRF guard's address policy: which peers a feed may not make us connect to
// unless its `allow_private` is set. Pure functions, used from curl's open-socket callback.

#include <sys/socket.h>

#include <string>

namespace tributary::fetch {

// True for loopback, private (RFC 1918, ULA), link-local (incl. the 169.254.169.254
// metadata address), CGNAT (100.64/10), multicast, broadcast, unspecified, reserved,
// documentation and benchmarking ranges; IPv6 forms that embed an IPv4 address
// (v4-mapped, v4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that address.
// Anything that is not AF_INET/AF_INET6 is refused as well.
bool is_forbidden_address(const sockaddr* addr, socklen_t len) noexcept;

// The same for a numeric address as text ("10.0.0.1", "::1"); text that is not a
// numeric IPv4/IPv6 address is refused.
bool is_forbidden_address(const char* numeric_ip) noexcept;

// "192.168.1.1", "::1"; "?" when it cannot be printed.
std::string address_to_string(const sockaddr* addr, socklen_t len);

}  // namespace tributary::fetch

#include "fetch/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace tributary::fetch {
namespace {

struct Range4 {
    std::uint32_t net;
    int bits;
};

constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

constexpr Range4 kForbidden4[] = {
    {ip4(0, 0, 0, 0), 8},        // "this network", unspecified
    {ip4(10, 0, 0, 0), 8},       // private
    {ip4(100, 64, 0, 0), 10},    // CGNAT (also Alibaba's 100.100.100.200 metadata)
    {ip4(127, 0, 0, 0), 8},      // loopback
    {ip4(169, 254, 0, 0), 16},   // link-local, cloud metadata 169.254.169.254
    {ip4(172, 16, 0, 0), 12},    // private
    {ip4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {ip4(192, 0, 2, 0), 24},     // TEST-NET-1
    {ip4(192, 88, 99, 0), 24},   // 6to4 relay anycast
    {ip4(192, 168, 0, 0), 16},   // private
    {ip4(198, 18, 0, 0), 15},    // benchmarking
    {ip4(198, 51, 100, 0), 24},  // TEST-NET-2
    {ip4(203, 0, 113, 0), 24},   // TEST-NET-3
    {ip4(224, 0, 0, 0), 4},      // multicast
    {ip4(240, 0, 0, 0), 4},      // reserved, broadcast
};

bool forbidden_v4(std::uint32_t a) noexcept {
    for (const auto& r : kForbidden4) {
        const std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
        if ((a & mask) == r.net) return true;
    }
    return false;
}

std::uint32_t v4_at(const std::uint8_t* b) noexcept {
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

bool forbidden_v6(const std::uint8_t* b) noexcept {
    auto zeros = [&](int from, int to) {
        for (int i = from; i < to; ++i)
            if (b[i] != 0) return false;
        return true;
    };
    if (zeros(0, 10) && b[10] == 0xff && b[11] == 0xff) return forbidden_v4(v4_at(b + 12));  // ::ffff:a.b.c.d
    if (zeros(0, 12)) return true;  // ::, ::1 and the deprecated v4-compatible ::a.b.c.d
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zeros(4, 12)) {  // NAT64 64:ff9b::/96
        return forbidden_v4(v4_at(b + 12));
    }
    if (b[0] == 0x20 && b[1] == 0x02) return forbidden_v4(v4_at(b + 2));            // 6to4 2002:a.b.c.d::/48
    if (b[0] == 0x01 && b[1] == 0x00 && zeros(2, 8)) return true;                   // 100::/64 discard
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32 documentation
    if ((b[0] & 0xfe) == 0xfc) return true;                                         // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;                         // fe80::/10 link-local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;                         // fec0::/10 site-local
    if (b[0] == 0xff) return true;                                                  // ff00::/8 multicast
    return false;
}

}  // namespace

bool is_forbidden_address(const sockaddr* addr, socklen_t len) noexcept {
    if (addr == nullptr) return true;
    if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        return forbidden_v4(ntohl(in.sin_addr.s_addr));
    }
    if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        return forbidden_v6(in6.sin6_addr.s6_addr);
    }
    return true;
}

bool is_forbidden_address(const char* numeric_ip) noexcept {
    if (numeric_ip == nullptr) return true;
    in_addr a4{};
    if (inet_pton(AF_INET, numeric_ip, &a4) == 1) return forbidden_v4(ntohl(a4.s_addr));
    in6_addr a6{};
    if (inet_pton(AF_INET6, numeric_ip, &a6) == 1) return forbidden_v6(a6.s6_addr);
    return true;
}

std::string address_to_string(const sockaddr* addr, socklen_t len) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr != nullptr && addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof in);
        if (inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf)) return buf;
    } else if (addr != nullptr && addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof in6);
        if (inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf)) return buf;
    }
    return "?";
}

}  // namespace tributary::fetch

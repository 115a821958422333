#include "fetch/address_policy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace tributary::fetch {
namespace {

struct Case {
    const char* ip;
    bool forbidden;
};

constexpr Case kCases[] = {
    {"127.0.0.1", true},
    {"127.255.0.9", true},
    {"10.1.2.3", true},
    {"172.16.0.1", true},
    {"172.31.255.255", true},
    {"172.32.0.1", false},
    {"192.168.1.1", true},
    {"169.254.169.254", true},
    {"100.64.0.1", true},
    {"100.127.255.255", true},
    {"100.128.0.1", false},
    {"0.0.0.0", true},
    {"224.0.0.1", true},
    {"239.255.255.250", true},
    {"255.255.255.255", true},
    {"198.18.0.1", true},
    {"8.8.8.8", false},
    {"93.184.216.34", false},
    {"1.1.1.1", false},
    {"::", true},
    {"::1", true},
    {"fe80::1", true},
    {"fc00::1", true},
    {"fd00:ec2::254", true},
    {"ff02::1", true},
    {"::ffff:127.0.0.1", true},
    {"::ffff:10.0.0.1", true},
    {"::ffff:8.8.8.8", false},
    {"::127.0.0.1", true},
    {"64:ff9b::a00:1", true},
    {"64:ff9b::808:808", false},
    {"2002:a00:1::", true},
    {"2002:808:808::", false},
    {"2001:db8::1", true},
    {"2606:4700:4700::1111", false},
    {"2a00:1450:4001:80b::200e", false},
};

TEST(AddressPolicy, ClassifiesNumericAddresses) {
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.ip);
        EXPECT_EQ(is_forbidden_address(c.ip), c.forbidden);
    }
}

TEST(AddressPolicy, ClassifiesSockaddrs) {
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.ip);
        sockaddr_in in{};
        sockaddr_in6 in6{};
        if (inet_pton(AF_INET, c.ip, &in.sin_addr) == 1) {
            in.sin_family = AF_INET;
            EXPECT_EQ(is_forbidden_address(reinterpret_cast<const sockaddr*>(&in), sizeof in), c.forbidden);
            EXPECT_EQ(address_to_string(reinterpret_cast<const sockaddr*>(&in), sizeof in), c.ip);
        } else {
            ASSERT_EQ(inet_pton(AF_INET6, c.ip, &in6.sin6_addr), 1);
            in6.sin6_family = AF_INET6;
            EXPECT_EQ(is_forbidden_address(reinterpret_cast<const sockaddr*>(&in6), sizeof in6), c.forbidden);
        }
    }
}

TEST(AddressPolicy, RefusesWhatItCannotRead) {
    EXPECT_TRUE(is_forbidden_address(static_cast<const char*>(nullptr)));
    EXPECT_TRUE(is_forbidden_address("example.com"));
    EXPECT_TRUE(is_forbidden_address(static_cast<const sockaddr*>(nullptr), 0));
    sockaddr_in short_in{};
    short_in.sin_family = AF_INET;
    EXPECT_TRUE(is_forbidden_address(reinterpret_cast<const sockaddr*>(&short_in), 4));
    EXPECT_EQ(address_to_string(nullptr, 0), "?");
}

}  // namespace
}  // namespace tributary::fetch

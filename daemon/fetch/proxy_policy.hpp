#pragma once
// Which proxy a transfer goes through, and what the private-address guard can still
// check when it does. Pure functions (the environment comes in as a lookup).
//
// The choice, per transfer, made once for the feed's URL and kept for every redirect hop:
//  - FetchRequest::proxy set: that proxy, for every host ("none" or "direct": no proxy at
//    all, not even from the environment);
//  - otherwise the standard variables, as curl reads them: http_proxy (lower case only:
//    HTTP_PROXY can be set by a CGI client, "httpoxy") for http, https_proxy/HTTPS_PROXY
//    for https, then all_proxy/ALL_PROXY; no_proxy/NO_PROXY ("*", or a comma-separated
//    list of host names, domain suffixes with or without a leading dot, and literal IP
//    addresses; no CIDR ranges) exempts the feed's host.
//
// The private-address guard and proxies: a proxied transfer connects only to the proxy,
// which the operator chose; the proxy's address is therefore never refused (intranet
// proxies are the common case). What the guard can still check is the target of each
// request: a literal IP address in the URL (or a redirect's Location) and the names
// "localhost" / "*.localhost" are judged by the same address policy before anything is
// sent. A host *name* is resolved by the proxy, so for names the proxy's own access rules
// are what stops a feed from reaching the intranet: an operator who sets a proxy takes that
// on (documented in fetcher.hpp).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tributary::fetch {

struct ProxyChoice {
    std::string proxy;   // for CURLOPT_PROXY; "" = connect directly
    std::string source;  // "feed", "https_proxy", "ALL_PROXY", …; "" when direct
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

ProxyChoice choose_proxy(std::string_view url, std::string_view feed_proxy, const EnvLookup& env);
ProxyChoice choose_proxy(std::string_view url, std::string_view feed_proxy);  // the process environment

// Whether a no_proxy list exempts `host` (lower case, IPv6 without brackets).
bool no_proxy_matches(std::string_view no_proxy, std::string_view host);

// Lower-case scheme and host of an absolute URL as libcurl parses it (IPv4 in normal form,
// IPv6 without brackets); nullopt when it is not one.
struct UrlParts {
    std::string scheme;
    std::string host;
};
std::optional<UrlParts> url_parts(std::string_view url);

// For proxied transfers: true when `host` (as from url_parts) is a literal address the
// address policy refuses, or "localhost"/"*.localhost".
bool forbidden_target_host(std::string_view host);

// The URL with any user:password@ replaced by "***@", for logs and error texts.
std::string redact_url(std::string_view url);

}  // namespace tributary::fetch

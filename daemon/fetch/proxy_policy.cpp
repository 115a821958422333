#include "fetch/proxy_policy.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/text.hpp"
#include "fetch/address_policy.hpp"
#include "fetch/curl_handles.hpp"

namespace tributary::fetch {
namespace {

std::optional<std::string> from_env(const EnvLookup& env, const char* name) {
    auto value = env(name);
    if (value && trim(*value).empty()) return std::nullopt;  // set but empty: as if unset
    return value;
}

std::string_view strip_dots(std::string_view s) {
    while (s.starts_with('.')) s.remove_prefix(1);
    while (s.ends_with('.')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<UrlParts> url_parts(std::string_view url) {
    CurlUrl u(curl_url());
    if (!u) return std::nullopt;
    if (curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        return std::nullopt;
    }
    char* scheme = nullptr;
    char* host = nullptr;
    if (curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) return std::nullopt;
    const CurlString scheme_owner(scheme);
    if (curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) return std::nullopt;
    const CurlString host_owner(host);
    std::string h = to_lower_ascii(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (const auto zone = h.find('%'); zone != std::string::npos) h.resize(zone);  // fe80::1%eth0
    while (h.ends_with('.')) h.pop_back();
    return UrlParts{to_lower_ascii(scheme), std::move(h)};
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host) {
    host = strip_dots(host);
    if (host.empty()) return false;
    std::size_t pos = 0;
    while (pos <= no_proxy.size()) {
        const std::size_t comma = std::min(no_proxy.find(',', pos), no_proxy.size());
        std::string entry = to_lower_ascii(trim(no_proxy.substr(pos, comma - pos)));
        pos = comma + 1;
        if (entry == "*") return true;
        if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
        const std::string_view name = strip_dots(entry);
        if (name.empty()) continue;
        if (host == name) return true;
        if (host.size() > name.size() && host.ends_with(name) && host[host.size() - name.size() - 1] == '.') {
            return true;
        }
    }
    return false;
}

ProxyChoice choose_proxy(std::string_view url, std::string_view feed_proxy, const EnvLookup& env) {
    const std::string_view explicit_proxy = trim(feed_proxy);
    if (!explicit_proxy.empty()) {
        if (iequals_ascii(explicit_proxy, "none") || iequals_ascii(explicit_proxy, "direct")) return {};
        return {std::string(explicit_proxy), "feed"};
    }
    const auto parts = url_parts(url);
    if (!parts) return {};
    const auto no_proxy = from_env(env, "no_proxy") ? from_env(env, "no_proxy") : from_env(env, "NO_PROXY");
    if (no_proxy && no_proxy_matches(*no_proxy, parts->host)) return {};
    std::vector<const char*> names;
    if (parts->scheme == "http") names = {"http_proxy"};
    if (parts->scheme == "https") names = {"https_proxy", "HTTPS_PROXY"};
    names.push_back("all_proxy");
    names.push_back("ALL_PROXY");
    for (const char* name : names) {
        if (auto value = from_env(env, name)) return {std::string(trim(*value)), name};
    }
    return {};
}

ProxyChoice choose_proxy(std::string_view url, std::string_view feed_proxy) {
    return choose_proxy(url, feed_proxy, [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);  // nobody changes the environment after start-up
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    });
}

bool forbidden_target_host(std::string_view host) {
    const std::string h(strip_dots(to_lower_ascii(host)));
    if (h == "localhost" || h.ends_with(".localhost")) return true;
    const bool numeric =
        h.find_first_not_of("0123456789.") == std::string::npos ||
        (h.find(':') != std::string::npos && h.find_first_not_of("0123456789abcdef:.") == std::string::npos);
    return numeric && !h.empty() && is_forbidden_address(h.c_str());
}

std::string redact_url(std::string_view url) {
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    const std::size_t start = sep + 3;
    const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
    const std::size_t at = url.substr(start, end - start).rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    return std::string(url.substr(0, start)) + "***@" + std::string(url.substr(start + at + 1));
}

}  // namespace tributary::fetch

#include "fetch/redirect_policy.hpp"

#include <fmt/format.h>

#include "core/text.hpp"
#include "fetch/curl_handles.hpp"

namespace tributary::fetch {
namespace {

struct ParsedUrl {
    std::string url;
    std::string scheme;  // lower case
};

std::optional<ParsedUrl> resolve(std::string_view base, std::string_view ref) {
    CurlUrl u(curl_url());
    if (!u) return std::nullopt;
    const unsigned flags = CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE | CURLU_ALLOW_SPACE;
    if (!base.empty() && curl_url_set(u.get(), CURLUPART_URL, std::string(base).c_str(), flags) != CURLUE_OK) {
        return std::nullopt;
    }
    if (curl_url_set(u.get(), CURLUPART_URL, std::string(ref).c_str(), flags) != CURLUE_OK) return std::nullopt;
    char* host = nullptr;  // lower-case the host, so loops are found whatever the spelling
    if (curl_url_get(u.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        const CurlString host_owner(host);
        curl_url_set(u.get(), CURLUPART_HOST, to_lower_ascii(host).c_str(), 0);
    }
    char* url = nullptr;
    if (curl_url_get(u.get(), CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT) != CURLUE_OK) return std::nullopt;
    const CurlString url_owner(url);
    char* scheme = nullptr;
    if (curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) return std::nullopt;
    const CurlString scheme_owner(scheme);
    return ParsedUrl{url, to_lower_ascii(scheme)};
}

}  // namespace

RedirectTarget check_redirect(std::string_view from, std::string_view location) {
    const auto target = resolve(from, location);
    if (!target) return {{}, fmt::format("invalid redirect target '{}'", location)};
    if (target->scheme != "http" && target->scheme != "https") {
        return {target->url, fmt::format("redirect to a {} URL refused ({})", target->scheme, target->url)};
    }
    const auto source = resolve({}, from);
    if (source && source->scheme == "https" && target->scheme == "http") {
        return {target->url, fmt::format("redirect from https to http refused ({})", target->url)};
    }
    return {target->url, {}};
}

std::optional<std::string> normalize_url(std::string_view url) {
    auto parsed = resolve({}, url);
    if (!parsed) return std::nullopt;
    return std::move(parsed->url);
}

}  // namespace tributary::fetch

#include "core/url_safety.hpp"

#include "core/text.hpp"

namespace tributary {
namespace {

// `url` starts with `prefix` (ASCII, lower case), compared without regard to case, and goes on.
bool starts_with_then_more(std::string_view url, std::string_view prefix) noexcept {
    return url.size() > prefix.size() && iequals_ascii(url.substr(0, prefix.size()), prefix);
}

}  // namespace

bool is_publishable_url(std::string_view url) noexcept {
    return starts_with_then_more(url, "http://") || starts_with_then_more(url, "https://");
}

bool is_publishable_href(std::string_view url) noexcept {
    return is_publishable_url(url) || starts_with_then_more(url, "mailto:");
}

}  // namespace tributary

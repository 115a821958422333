#pragma once

#include <optional>
#include <string_view>

namespace tributary::parse {

// The UTF-8 text of an HTML5 named character reference, given its name without '&' and ';'
// ("nbsp", "eacute"); nullopt when HTML5 does not define it. Names are case-sensitive.
std::optional<std::string_view> lookup_html_entity(std::string_view name) noexcept;

}  // namespace tributary::parse

#include "core/log_levels.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace tributary {
namespace {

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

template <std::size_t N>
std::string joined(const std::array<std::string_view, N>& names) {
    std::string out;
    for (const std::string_view name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

template <std::size_t N>
bool known(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::optional<std::string> LogLevels::level_of(std::string_view stage) const {
    for (const auto& [name, level] : stages)
        if (name == stage) return level;
    return base;
}

Result<LogLevels> parse_log_levels(std::string_view spec) {
    const auto error = [spec](const std::string& why) {
        return fail(ErrorKind::Config, "log level '" + std::string(spec) + "': " + why);
    };
    LogLevels out;
    std::string_view rest = spec;
    while (true) {
        const std::size_t comma = rest.find(',');
        const std::string_view entry = trim_spaces(rest.substr(0, comma));
        if (entry.empty()) return error("empty entry");
        const std::size_t equals = entry.find('=');
        const std::string level =
            to_lower_ascii(trim_spaces(entry.substr(equals == std::string_view::npos ? 0 : equals + 1)));
        if (!known(kLogLevelNames, level))
            return error("unknown level '" + level + "' (expected " + joined(kLogLevelNames) + ")");
        if (equals == std::string_view::npos) {
            out.base = level;
        } else {
            const std::string stage = to_lower_ascii(trim_spaces(entry.substr(0, equals)));
            if (!known(kLogStages, stage))
                return error("unknown stage '" + stage + "' (expected " + joined(kLogStages) + ")");
            std::erase_if(out.stages, [&](const auto& s) { return s.first == stage; });
            out.stages.emplace_back(stage, level);
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

LogLevels overlay(LogLevels lower, const LogLevels& upper) {
    if (upper.base) {
        lower.base = upper.base;
        lower.stages.clear();
    }
    // Not a structured binding: clang (the fuzz build) cannot capture one in a lambda.
    for (const auto& entry : upper.stages) {
        std::erase_if(lower.stages, [&entry](const auto& s) { return s.first == entry.first; });
        lower.stages.push_back(entry);
    }
    return lower;
}

}  // namespace tributary

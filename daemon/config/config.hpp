#pragma once
// feeds.conf: an INI-style file. The grammar, the keys and their defaults are
// documented in the shipped feeds.conf; this is the only code that reads it.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"

namespace tributary::config {

// Reads and validates `file`. On failure the Error's message lists every
// problem found, one per line, each as "<file>:<line>: <reason>".
Result<Config> load_config(const std::filesystem::path& file);

// The same, from text already in memory; `file` names it in messages and
// anchors relative paths.
Result<Config> parse_config(std::string_view text, const std::filesystem::path& file);

// "90", "30s", "15m", "2h", "1d", "1h30m" → seconds; nullopt when malformed or zero.
std::optional<Seconds> parse_duration(std::string_view text);
// "16M", "512K", "1G", "1048576" → bytes.
std::optional<std::size_t> parse_size(std::string_view text);
// yes/no, true/false, on/off, 1/0.
std::optional<bool> parse_bool(std::string_view text);

}  // namespace tributary::config

#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "parse/parse_feed.hpp"

namespace tributary::parse::testing {

inline std::string read_fixture(const std::string& relative) {
    std::ifstream in(std::string(TRIBUTARY_FIXTURES_DIR) + "/" + relative, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

// Parses or fails the test with the error message.
inline ParsedFeed parse_ok(std::string_view body, const ParseOptions& options = {}) {
    Result<ParsedFeed> parsed = parse_feed(body, options);
    if (!parsed) {
        ADD_FAILURE() << "parse failed: " << parsed.error().message;
        return {};
    }
    return *std::move(parsed);
}

inline bool has_warning_containing(const ParsedFeed& feed, std::string_view needle) {
    for (const std::string& warning : feed.warnings)
        if (warning.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace tributary::parse::testing

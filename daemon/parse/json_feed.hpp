#pragma once
// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/). Internal to the parse stage.

#include <string_view>

#include "core/error.hpp"
#include "core/types.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {

// The first byte that is not whitespace (after a UTF-8 BOM) is '{': a JSON document, not XML.
bool looks_like_json(std::string_view bytes) noexcept;

// Reads `utf8` into `feed` (whose encoding and warnings are already set). Invalid JSON fails
// with ErrorKind::Parse and its line and column; JSON that is not a JSON Feed fails with
// ErrorKind::UnsupportedFormat.
Result<ParsedFeed> read_json_feed(std::string_view utf8, const ParseOptions& options, ParsedFeed feed);

}  // namespace tributary::parse

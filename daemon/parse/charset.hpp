#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace tributary::parse {

struct DecodedDocument {
    std::string utf8;  // no BOM; ill-formed input replaced by U+FFFD
    EncodingDecision encoding;
    std::vector<std::string> warnings;
};

// The charset parameter of a Content-Type value ("text/xml; charset=\"UTF-8\"" -> "UTF-8"), or "".
std::string charset_from_content_type(std::string_view content_type);

// The encoding="…" of an XML declaration at the start of `bytes` (ASCII-compatible
// encodings only; leading whitespace and junk before "<?xml" tolerated), or "".
std::string encoding_from_xml_declaration(std::string_view bytes);

// Decides the document's encoding (precedence in charset.cpp) and converts it to UTF-8.
DecodedDocument decode_to_utf8(std::string_view bytes, std::string_view content_type,
                               std::string_view encoding_override);

}  // namespace tributary::parse

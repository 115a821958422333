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
    // With borrow_input, a document that is already valid UTF-8 is not copied: utf8 stays empty
    // and the text is input.substr(input_offset, input_length).
    bool borrowed = false;
    std::size_t input_offset = 0;
    std::size_t input_length = 0;

    std::string_view text(std::string_view input) const {
        return borrowed ? input.substr(input_offset, input_length) : std::string_view{utf8};
    }
};

// The charset parameter of a Content-Type value ("text/xml; charset=\"UTF-8\"" -> "UTF-8"), or "".
std::string charset_from_content_type(std::string_view content_type);

// The encoding="…" of an XML declaration at the start of `bytes` (ASCII-compatible
// encodings only; leading whitespace and junk before "<?xml" tolerated), or "".
std::string encoding_from_xml_declaration(std::string_view bytes);

// Decides the document's encoding (precedence in charset.cpp) and converts it to UTF-8.
DecodedDocument decode_to_utf8(std::string_view bytes, std::string_view content_type,
                               std::string_view encoding_override, bool borrow_input = false);

}  // namespace tributary::parse

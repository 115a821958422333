#pragma once
// Double-encoded UTF-8: text that was UTF-8, was read by some program as windows-1252 and was
// written out as UTF-8 again, so that "Fórmula" arrives as "FÃ³rmula". Internal to the parse stage.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tributary::parse {

struct MojibakeRepair {
    std::string text;
    std::size_t sequences = 0;  // characters read back
};

// `utf8` (valid UTF-8) with every double-encoded character read back, or nullopt when there is
// none. A run of characters is read back only when that is unambiguous: the windows-1252 bytes
// of the run are one well-formed UTF-8 sequence, and the character it encodes is a letter, mark,
// number, punctuation or symbol of a script that such text comes in (Latin, Greek, Cyrillic,
// Armenian, Hebrew, Arabic, or the common punctuation and symbols), so that "Straße“" (DF 93 in
// windows-1252: an NKo letter in UTF-8) stays as written. Text in any other script, Arabic
// letters included, has no character windows-1252 can write and is never touched.
std::optional<MojibakeRepair> repair_double_encoded_utf8(std::string_view utf8);

}  // namespace tributary::parse

#include "parse/mojibake.hpp"

#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "parse/utf8.hpp"

namespace tributary::parse {
namespace {

struct ConverterCloser {
    void operator()(UConverter* converter) const noexcept { ucnv_close(converter); }
};

// The characters a byte 0x80..0xFF becomes when read as windows-1252, and, for the five bytes
// windows-1252 leaves undefined and for readers that used ISO-8859-1, as ISO-8859-1: asked of
// ICU once, sorted by character for the way back.
using ByteOf = std::vector<std::pair<UChar32, std::uint8_t>>;

void add_high_bytes(ByteOf& table, const char* encoding) {
    UErrorCode status = U_ZERO_ERROR;
    const std::unique_ptr<UConverter, ConverterCloser> converter{ucnv_open(encoding, &status)};
    if (U_FAILURE(status)) return;
    ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    if (U_FAILURE(status)) return;
    for (unsigned byte = 0x80; byte <= 0xFF; ++byte) {
        const char input = static_cast<char>(byte);
        std::array<UChar, 4> out{};
        status = U_ZERO_ERROR;
        ucnv_resetToUnicode(converter.get());
        const std::int32_t length =
            ucnv_toUChars(converter.get(), out.data(), static_cast<std::int32_t>(out.size()), &input, 1, &status);
        if (U_FAILURE(status) || length != 1) continue;
        const UChar32 character = out[0];
        const bool known =
            std::any_of(table.begin(), table.end(), [&](const auto& entry) { return entry.first == character; });
        if (!known) table.emplace_back(character, static_cast<std::uint8_t>(byte));
    }
}

const ByteOf& byte_table() {
    static const ByteOf table = [] {
        ByteOf built;
        add_high_bytes(built, "windows-1252");
        add_high_bytes(built, "ISO-8859-1");
        std::sort(built.begin(), built.end());
        return built;
    }();
    return table;
}

// The windows-1252 byte that reads as `character`, or 0 when there is none.
std::uint8_t byte_of(UChar32 character) {
    if (character < 0x80) return 0;
    const ByteOf& table = byte_table();
    const auto it = std::lower_bound(table.begin(), table.end(), std::pair<UChar32, std::uint8_t>{character, 0});
    return it != table.end() && it->first == character ? it->second : 0;
}

// How many bytes a UTF-8 sequence that starts with `lead` has; 0 for a byte that starts none.
int sequence_length(std::uint8_t lead) noexcept {
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

bool is_plausible(UChar32 character) {
    switch (u_charType(character)) {
        case U_UPPERCASE_LETTER:
        case U_LOWERCASE_LETTER:
        case U_TITLECASE_LETTER:
        case U_MODIFIER_LETTER:
        case U_OTHER_LETTER:
        case U_NON_SPACING_MARK:
        case U_COMBINING_SPACING_MARK:
        case U_ENCLOSING_MARK:
        case U_DECIMAL_DIGIT_NUMBER:
        case U_LETTER_NUMBER:
        case U_OTHER_NUMBER:
        case U_CONNECTOR_PUNCTUATION:
        case U_DASH_PUNCTUATION:
        case U_START_PUNCTUATION:
        case U_END_PUNCTUATION:
        case U_INITIAL_PUNCTUATION:
        case U_FINAL_PUNCTUATION:
        case U_OTHER_PUNCTUATION:
        case U_MATH_SYMBOL:
        case U_CURRENCY_SYMBOL:
        case U_MODIFIER_SYMBOL:
        case U_OTHER_SYMBOL:
        case U_SPACE_SEPARATOR: break;
        default: return false;
    }
    UErrorCode status = U_ZERO_ERROR;
    switch (uscript_getScript(character, &status)) {
        case USCRIPT_LATIN:
        case USCRIPT_GREEK:
        case USCRIPT_CYRILLIC:
        case USCRIPT_ARMENIAN:
        case USCRIPT_HEBREW:
        case USCRIPT_ARABIC:
        case USCRIPT_COMMON:
        case USCRIPT_INHERITED: return U_SUCCESS(status);
        default: return false;
    }
}

struct ReadBack {
    UChar32 character;
    std::size_t end;  // in the text, after the characters read back
};

// The character whose UTF-8 bytes the characters from `at` on are, read as windows-1252.
std::optional<ReadBack> read_back(std::string_view text, std::size_t at) {
    std::array<std::uint8_t, 4> bytes{};
    int length = 0;
    int wanted = 1;
    std::size_t pos = at;
    const auto size = static_cast<std::int32_t>(text.size());
    const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
    while (length < wanted) {
        if (pos >= text.size()) return std::nullopt;
        auto next = static_cast<std::int32_t>(pos);
        UChar32 character = 0;
        U8_NEXT(data, next, size, character);
        const std::uint8_t byte = character < 0 ? 0 : byte_of(character);
        if (length == 0) {
            wanted = sequence_length(byte);
            if (wanted == 0) return std::nullopt;
        } else if (byte < 0x80 || byte > 0xBF) {
            return std::nullopt;
        }
        bytes[static_cast<std::size_t>(length++)] = byte;
        pos = static_cast<std::size_t>(next);
    }
    // ICU decides what is well-formed: no overlong form, no surrogate, nothing past U+10FFFF.
    std::int32_t offset = 0;
    UChar32 decoded = 0;
    U8_NEXT(bytes.data(), offset, length, decoded);
    if (decoded < 0 || offset != length || !is_plausible(decoded)) return std::nullopt;
    return ReadBack{decoded, pos};
}

}  // namespace

std::optional<MojibakeRepair> repair_double_encoded_utf8(std::string_view utf8) {
    // Every character that can start a sequence (U+00C2..U+00F4) is written C3 xx in UTF-8: text
    // without that byte (all ASCII, Arabic, most of everything) is passed over at memchr's speed.
    constexpr char kLead = '\xC3';
    const void* first = utf8.empty() ? nullptr : std::memchr(utf8.data(), kLead, utf8.size());
    if (first == nullptr) return std::nullopt;
    MojibakeRepair repair;
    std::size_t copied = 0;
    std::size_t at = static_cast<std::size_t>(static_cast<const char*>(first) - utf8.data());
    while (at != std::string_view::npos) {
        if (const std::optional<ReadBack> back = read_back(utf8, at)) {
            if (repair.sequences == 0) repair.text.reserve(utf8.size());
            repair.text.append(utf8.substr(copied, at - copied));
            append_utf8(repair.text, static_cast<std::uint32_t>(back->character));
            ++repair.sequences;
            copied = back->end;
            at = utf8.find(kLead, back->end);
        } else {
            at = utf8.find(kLead, at + 1);
        }
    }
    if (repair.sequences == 0) return std::nullopt;
    repair.text.append(utf8.substr(copied));
    return repair;
}

}  // namespace tributary::parse

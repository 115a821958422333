// Which encoding a feed's bytes are in, first rule that applies wins:
//   0. encoding_override from feeds.conf: the operator has looked at this feed and knows better
//      than anything the server or the document claims.
//   1. A byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE): it cannot be there by accident.
//   2. The HTTP Content-Type charset: RFC 7303 makes it authoritative over the document,
//      except a UTF-8 label over bytes that are not UTF-8 while the XML declaration names a
//      legacy charset: servers label everything UTF-8, the document knows what it is.
//   3. The XML declaration's encoding="…" (or, without one, UTF-16 recognised from the NUL
//      pattern of "<?" as in XML 1.0 appendix F).
//      For 2 and 3: a claim of any non-Unicode encoding over bytes that are valid UTF-8 and not
//      pure ASCII is a lie (legacy text is practically never valid UTF-8 by accident): UTF-8,
//      with a warning, source "detected".
//   4. Nothing declared and the bytes are valid UTF-8: UTF-8, XML's default ("default").
//   5. ICU's charset detector (ucsdet) when it is reasonably confident ("detected").
//   6. UTF-8, with every ill-formed sequence replaced by U+FFFD ("default").
// Labels are read as browsers read them (ISO-8859-1 and US-ASCII as windows-1252, see
// web_encoding), and an HTTP or XML claim of UTF-16 for bytes without NULs is ignored.
// A declared name ICU does not know is skipped with a warning and the next rule decides.
// Conversion goes through ICU's converters; what cannot be decoded becomes U+FFFD.

#include "parse/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>

#include "core/text.hpp"
#include "parse/utf8.hpp"

namespace tributary::parse {
namespace {

struct ConverterCloser {
    void operator()(UConverter* converter) const noexcept { ucnv_close(converter); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

struct DetectorCloser {
    void operator()(UCharsetDetector* detector) const noexcept { ucsdet_close(detector); }
};
using Detector = std::unique_ptr<UCharsetDetector, DetectorCloser>;

Converter open_converter(const std::string& name) {
    UErrorCode status = U_ZERO_ERROR;
    Converter converter{ucnv_open(name.c_str(), &status)};
    if (U_FAILURE(status)) return nullptr;
    return converter;
}

bool is_utf8_name(std::string_view name) { return iequals_ascii(name, "utf-8") || iequals_ascii(name, "utf8"); }

// The WHATWG Encoding Standard reads these labels as their Windows supersets, because that is
// what the documents labelled so actually contain (0x93 is a curly quote, not a C1 control).
std::string web_encoding(const std::string& label) {
    const std::string lower = to_lower_ascii(trim(label));
    if (lower == "iso-8859-1" || lower == "iso8859-1" || lower == "iso_8859-1" || lower == "latin1" || lower == "l1" ||
        lower == "us-ascii" || lower == "ascii" || lower == "cp819" || lower == "ibm819")
        return "windows-1252";
    if (lower == "iso-8859-9" || lower == "latin5" || lower == "iso8859-9") return "windows-1254";
    if (lower == "tis-620" || lower == "iso-8859-11") return "windows-874";
    if (lower == "gb2312" || lower == "gbk" || lower == "x-gbk") return "GB18030";
    return label;
}

// What a detected encoding is read as: the Windows superset, as for a label (web_encoding), and
// for Hebrew windows-1255, which ICU's detector does not name but browsers' detectors do: its
// letters are ISO-8859-8's, and it adds the vowel points and the sheqel sign Hebrew text uses,
// which ISO-8859-8 would turn into U+FFFD. (Not for labels: a document that says ISO-8859-8
// is read as ISO-8859-8, as the Encoding Standard has it.)
std::string detected_encoding(const std::string& name) {
    const std::string lower = to_lower_ascii(trim(name));
    if (lower == "iso-8859-8" || lower == "iso-8859-8-i") return "windows-1255";
    return web_encoding(name);
}

struct Bom {
    std::string_view encoding;
    std::size_t length;
};

std::optional<Bom> find_bom(std::string_view bytes) {
    const auto starts = [&](std::string_view prefix) { return bytes.starts_with(prefix); };
    using namespace std::string_view_literals;
    if (starts("\xEF\xBB\xBF"sv)) return Bom{"UTF-8", 3};
    if (starts("\xFF\xFE\x00\x00"sv)) return Bom{"UTF-32LE", 4};
    if (starts("\x00\x00\xFE\xFF"sv)) return Bom{"UTF-32BE", 4};
    if (starts("\xFF\xFE"sv)) return Bom{"UTF-16LE", 2};
    if (starts("\xFE\xFF"sv)) return Bom{"UTF-16BE", 2};
    return std::nullopt;
}

// XML 1.0 appendix F: without a BOM, UTF-16 shows itself by the NULs around "<?".
std::string_view utf16_from_nul_pattern(std::string_view bytes) {
    using namespace std::string_view_literals;
    if (bytes.starts_with("<\x00\x00\x00"sv)) return "UTF-32LE";
    if (bytes.starts_with("\x00\x00\x00<"sv)) return "UTF-32BE";
    if (bytes.starts_with("<\x00?\x00"sv)) return "UTF-16LE";
    if (bytes.starts_with("\x00<\x00?"sv)) return "UTF-16BE";
    return "";
}

bool is_wide_unicode_name(std::string_view name) {
    const std::string lower = to_lower_ascii(name);
    return lower.starts_with("utf-16") || lower.starts_with("utf16") || lower.starts_with("utf-32") ||
           lower.starts_with("utf32") || lower.starts_with("ucs-2") || lower.starts_with("ucs2") || lower == "unicode";
}

// ICU substitutes U+001A for a single unmappable byte in some single-byte code pages; the
// rule for our output is U+FFFD, and U+001A is not allowed in XML anyway. (In UTF-8 the byte
// 0x1A is that character and nothing else.)
void replace_sub_with_replacement_char(std::string& utf8) {
    if (utf8.find('\x1A') == std::string::npos) return;
    std::string out;
    out.reserve(utf8.size() + 16);
    for (const char c : utf8) {
        if (c == '\x1A')
            out += "\xEF\xBF\xBD";
        else
            out += c;
    }
    utf8 = std::move(out);
}

// The UTF-8 of each of the 256 bytes of a single-byte code page (windows-1256, ISO-8859-6,
// KOI8-R…), asked of ICU once per code page and thread. Converting through it takes half the time
// of ICU's own path (9.2 MB of Arabic in windows-1256: 14.5 ms, then 6 to 8 ms), and for our
// windows-1256 sites the conversion was the largest part of reading a feed.
class SingleByteTable {
public:
    // nullopt when ICU's mapping is not one UTF-8 sequence per byte.
    static std::optional<SingleByteTable> build(UConverter* converter) {
        SingleByteTable table;
        for (unsigned byte = 0; byte < 256; ++byte) {
            const char input = static_cast<char>(byte);
            std::array<char, 8> out{};
            UErrorCode status = U_ZERO_ERROR;
            ucnv_resetToUnicode(converter);
            const int32_t length = ucnv_toAlgorithmic(UCNV_UTF8, converter, out.data(),
                                                      static_cast<int32_t>(out.size()), &input, 1, &status);
            if (U_FAILURE(status) || length < 1 || length > 3) return std::nullopt;
            Entry& entry = table.entries_[byte];
            if (length == 1 && out[0] == '\x1A') {  // see replace_sub_with_replacement_char
                entry.utf8 = {'\xEF', '\xBF', '\xBD', 3};
            } else {
                std::copy_n(out.data(), length, entry.utf8.data());
                entry.utf8[3] = static_cast<char>(length);
            }
        }
        ucnv_resetToUnicode(converter);
        return table;
    }

    std::string convert(std::string_view bytes) const {
        // Twice the input is room for Arabic letters and most else, and keeps the buffer under the
        // size from which glibc maps fresh (zero-filled, page-faulting) memory for every document.
        // Text with more three-byte characters than that (CJK never comes this way) takes a
        // second pass at the exact size.
        std::string utf8;
        std::size_t room = bytes.size() * 2 + kChunk * 3 + kSlack;
        for (int pass = 0; pass < 2; ++pass) {
            bool fits = true;
            utf8.resize_and_overwrite(room, [&](char* out, std::size_t capacity) {
                char* at = out;
                for (std::size_t chunk = 0; chunk < bytes.size(); chunk += kChunk) {
                    const std::string_view part = bytes.substr(chunk, kChunk);
                    if (static_cast<std::size_t>(out + capacity - at) < part.size() * 3 + kSlack) {
                        fits = false;
                        return std::size_t{0};
                    }
                    at = convert_into(part, at);
                }
                return static_cast<std::size_t>(at - out);
            });
            if (fits) return utf8;
            room = kSlack;
            for (const char c : bytes)
                room += static_cast<std::size_t>(entries_[static_cast<unsigned char>(c)].utf8[3]);
        }
        return utf8;
    }

private:
    // Up to three bytes of UTF-8, then their count.
    struct Entry {
        std::array<char, 4> utf8{};
    };
    static constexpr std::size_t kChunk = 4096;
    static constexpr std::size_t kSlack = 16;  // convert_into writes four bytes for the last one

    char* convert_into(std::string_view part, char* at) const {
        // Every byte through the table, ASCII too: a branch on ASCII is mispredicted at every
        // change between an Arabic letter and a space or a tag.
        for (const char c : part) {
            const Entry& entry = entries_[static_cast<unsigned char>(c)];
            std::memcpy(at, entry.utf8.data(), entry.utf8.size());  // one store; the excess is overwritten or cut
            at += entry.utf8[3];
        }
        return at;
    }

    std::array<Entry, 256> entries_{};
};

// ICU's SBCS converters are stateless and map each byte on its own, which is what makes the table
// exact; the fixed-width check keeps out anything that might not be.
bool is_single_byte(UConverter* converter) {
    const UConverterType type = ucnv_getType(converter);
    return (type == UCNV_SBCS || type == UCNV_LATIN_1 || type == UCNV_US_ASCII) && ucnv_getMaxCharSize(converter) == 1;
}

const SingleByteTable* single_byte_table(UConverter* converter) {
    thread_local std::unordered_map<std::string, std::optional<SingleByteTable>> tables;
    UErrorCode status = U_ZERO_ERROR;
    const char* name = ucnv_getName(converter, &status);
    if (U_FAILURE(status) || name == nullptr) return nullptr;
    auto [it, inserted] = tables.try_emplace(name);
    if (inserted) it->second = SingleByteTable::build(converter);
    return it->second ? &*it->second : nullptr;
}

// Single-byte code pages through their table; anything else straight to UTF-8: ICU pivots through
// UTF-16 a chunk at a time, so there is no document-sized UTF-16 copy, and the output is not
// zero-filled before ICU writes it (a 13 MB feed spent more time in those two than in the conversion).
std::optional<std::string> convert_with_icu(std::string_view bytes, const std::string& encoding) {
    Converter converter = open_converter(encoding);
    if (!converter) return std::nullopt;
    if (is_single_byte(converter.get()))
        if (const SingleByteTable* table = single_byte_table(converter.get())) return table->convert(bytes);
    constexpr auto kMaxLength = static_cast<std::size_t>(std::numeric_limits<int32_t>::max());
    if (bytes.size() > kMaxLength) return std::nullopt;
    // An Arabic letter of windows-1256 takes two bytes in UTF-8, so twice the input is room for
    // most documents; when it is not, ICU says how much is, and the second pass has it.
    std::size_t capacity = std::min(bytes.size() * 2 + 16, kMaxLength);
    std::string utf8;
    for (int pass = 0; pass < 2; ++pass) {
        UErrorCode status = U_ZERO_ERROR;
        int32_t length = 0;
        utf8.resize_and_overwrite(capacity, [&](char* out, std::size_t room) {
            length = ucnv_toAlgorithmic(UCNV_UTF8, converter.get(), out, static_cast<int32_t>(room), bytes.data(),
                                        static_cast<int32_t>(bytes.size()), &status);
            return U_SUCCESS(status) ? static_cast<std::size_t>(length) : std::size_t{0};
        });
        if (status == U_BUFFER_OVERFLOW_ERROR && pass == 0) {
            capacity = static_cast<std::size_t>(length);
            ucnv_resetToUnicode(converter.get());
            continue;
        }
        if (U_FAILURE(status)) return std::nullopt;
        replace_sub_with_replacement_char(utf8);
        return utf8;
    }
    return std::nullopt;
}

struct Detected {
    std::string name;
    int confidence = 0;
};

// The best match the detector offers that can be right: it readily reports UTF-16 or UTF-32
// for short single-byte documents, which the absence of NUL bytes rules out.
std::optional<Detected> detect_with_icu(std::string_view bytes, int minimum_confidence) {
    UErrorCode status = U_ZERO_ERROR;
    Detector detector{ucsdet_open(&status)};
    if (U_FAILURE(status)) return std::nullopt;
    const auto sample = bytes.substr(0, 64 * 1024);
    const bool has_nul = sample.find('\0') != std::string_view::npos;
    // Markup is filtered out so that tag names do not vote.
    ucsdet_enableInputFilter(detector.get(), true);
    ucsdet_setText(detector.get(), sample.data(), static_cast<int32_t>(sample.size()), &status);
    int32_t count = 0;
    const UCharsetMatch** matches = ucsdet_detectAll(detector.get(), &count, &status);
    if (U_FAILURE(status) || matches == nullptr) return std::nullopt;
    for (int32_t i = 0; i < count; ++i) {
        UErrorCode match_status = U_ZERO_ERROR;
        const char* name = ucsdet_getName(matches[i], &match_status);
        const int32_t confidence = ucsdet_getConfidence(matches[i], &match_status);
        if (U_FAILURE(match_status) || name == nullptr || confidence < minimum_confidence) break;
        if (is_wide_unicode_name(name) && !has_nul) continue;
        if (is_utf8_name(name)) continue;  // we only get here when the bytes are not UTF-8
        return Detected{name, confidence};
    }
    return std::nullopt;
}

bool has_non_ascii_byte(std::string_view bytes) noexcept {
    return std::any_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

struct Candidate {
    std::string encoding;
    std::string source;
};

// `input` is the whole document as given to decode_to_utf8; `bytes` the part of it that is text.
DecodedDocument finish_utf8(std::string_view input, std::string_view bytes, EncodingDecision decision,
                            std::vector<std::string> warnings, bool borrow, bool known_valid = false) {
    DecodedDocument out{.utf8 = {}, .encoding = std::move(decision), .warnings = std::move(warnings)};
    if (known_valid || is_valid_utf8(bytes)) {
        if (borrow) {
            out.borrowed = true;
            out.input_offset = static_cast<std::size_t>(bytes.data() - input.data());
            out.input_length = bytes.size();
        } else {
            out.utf8.assign(bytes);
        }
        return out;
    }
    out.utf8 = convert_with_icu(bytes, "UTF-8").value_or(std::string{});
    out.warnings.push_back("bytes are not valid UTF-8: ill-formed sequences replaced with U+FFFD");
    return out;
}

}  // namespace

std::string charset_from_content_type(std::string_view content_type) {
    std::size_t pos = 0;
    while ((pos = content_type.find(';', pos)) != std::string_view::npos) {
        ++pos;
        std::string_view parameter = content_type.substr(pos);
        parameter = parameter.substr(0, parameter.find(';'));
        const std::size_t equals = parameter.find('=');
        if (equals == std::string_view::npos) continue;
        if (!iequals_ascii(trim(parameter.substr(0, equals)), "charset")) continue;
        std::string_view value = trim(parameter.substr(equals + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        return std::string(trim(value));
    }
    return {};
}

std::string encoding_from_xml_declaration(std::string_view bytes) {
    const std::string_view head = bytes.substr(0, 1024);
    const std::size_t start = head.find("<?xml");
    if (start == std::string_view::npos) return {};
    const std::size_t end = head.find("?>", start);
    if (end == std::string_view::npos) return {};
    const std::string_view declaration = head.substr(start, end - start);
    const std::size_t key = declaration.find("encoding");
    if (key == std::string_view::npos) return {};
    std::size_t i = key + 8;
    while (i < declaration.size() && (declaration[i] == ' ' || declaration[i] == '=' || declaration[i] == '\t')) ++i;
    if (i >= declaration.size() || (declaration[i] != '"' && declaration[i] != '\'')) return {};
    const char quote = declaration[i];
    const std::size_t close = declaration.find(quote, i + 1);
    if (close == std::string_view::npos) return {};
    return std::string(trim(declaration.substr(i + 1, close - i - 1)));
}

DecodedDocument decode_to_utf8(std::string_view bytes, std::string_view content_type,
                               std::string_view encoding_override, bool borrow_input) {
    std::vector<std::string> warnings;
    const std::string http_charset = charset_from_content_type(content_type);
    const std::optional<Bom> bom = find_bom(bytes);
    const std::string_view after_bom = bom ? bytes.substr(bom->length) : bytes;
    std::string xml_charset =
        bom || !utf16_from_nul_pattern(bytes).empty() ? std::string{} : encoding_from_xml_declaration(bytes);
    // A document we can read as ASCII cannot really be UTF-16, whatever its declaration says.
    if (is_wide_unicode_name(xml_charset)) {
        warnings.push_back("XML declaration says " + xml_charset + " but the bytes are single-byte; ignored");
        xml_charset.clear();
    }

    std::vector<Candidate> candidates;
    if (!trim(encoding_override).empty()) candidates.push_back({std::string(trim(encoding_override)), "override"});
    if (bom) candidates.push_back({std::string(bom->encoding), "bom"});
    if (!http_charset.empty()) candidates.push_back({http_charset, "http"});
    if (!xml_charset.empty()) candidates.push_back({xml_charset, "xml-declaration"});
    if (const std::string_view wide = utf16_from_nul_pattern(bytes); !wide.empty() && !bom)
        candidates.push_back({std::string(wide), "xml-declaration"});

    if (!http_charset.empty() && !xml_charset.empty() && !iequals_ascii(http_charset, xml_charset) &&
        (!bom && trim(encoding_override).empty()))
        warnings.push_back("HTTP charset " + http_charset + " overrides the XML declaration's " + xml_charset);

    const std::string declared = !http_charset.empty() ? http_charset : xml_charset;
    const bool has_nul = bytes.substr(0, 1024).find('\0') != std::string_view::npos;
    for (std::size_t index = 0; index < candidates.size(); ++index) {
        const Candidate& candidate = candidates[index];
        if (candidate.source == "http" && is_wide_unicode_name(candidate.encoding) && !has_nul) {
            warnings.push_back("HTTP charset " + candidate.encoding + " but the bytes are single-byte; ignored");
            continue;
        }
        EncodingDecision decision{
            .declared = declared, .used = web_encoding(candidate.encoding), .source = candidate.source};
        // The BOM would otherwise survive as U+FEFF at the start of the text.
        const std::string_view payload = candidate.source == "bom" ? after_bom : bytes;
        // A server that labels every response UTF-8 while the document declares (and is in)
        // windows-1256: trust the document, or every Arabic letter becomes U+FFFD.
        if (candidate.source == "http" && is_utf8_name(candidate.encoding) && index + 1 < candidates.size() &&
            candidates[index + 1].source == "xml-declaration" && !is_utf8_name(candidates[index + 1].encoding) &&
            !is_wide_unicode_name(candidates[index + 1].encoding) && !is_valid_utf8(payload)) {
            warnings.push_back("HTTP says " + candidate.encoding +
                               " but the bytes are not valid UTF-8; used the XML declaration's " +
                               candidates[index + 1].encoding);
            continue;
        }
        if (is_utf8_name(candidate.encoding)) {
            decision.used = "UTF-8";
            return finish_utf8(bytes, bom && bom->encoding == "UTF-8" ? after_bom : payload, std::move(decision),
                               std::move(warnings), borrow_input);
        }
        // A server or document that says "ISO-8859-1" (Apache's old default, many CMS templates)
        // over bytes that are valid UTF-8 with non-ASCII in them is wrong: legacy text is
        // practically never valid UTF-8 by accident. The operator's override is not second-guessed.
        if ((candidate.source == "http" || candidate.source == "xml-declaration") &&
            !is_wide_unicode_name(candidate.encoding) && has_non_ascii_byte(payload) && is_valid_utf8(payload)) {
            warnings.push_back(candidate.source + " says " + candidate.encoding +
                               " but the bytes are valid UTF-8; read as UTF-8");
            decision.used = "UTF-8";
            decision.source = "detected";
            return finish_utf8(bytes, payload, std::move(decision), std::move(warnings), borrow_input, true);
        }
        std::optional<std::string> converted = convert_with_icu(payload, decision.used);
        if (!converted) {
            warnings.push_back("unknown encoding \"" + candidate.encoding + "\" from " + candidate.source +
                               "; ignored");
            continue;
        }
        // A BOM that the chosen converter kept (e.g. HTTP said UTF-16) is not text.
        if (converted->starts_with("\xEF\xBB\xBF")) converted->erase(0, 3);
        return DecodedDocument{
            .utf8 = std::move(*converted), .encoding = std::move(decision), .warnings = std::move(warnings)};
    }

    if (is_valid_utf8(bytes))
        return finish_utf8(bytes, bytes, EncodingDecision{.declared = "", .used = "UTF-8", .source = "default"},
                           std::move(warnings), borrow_input, true);

    // Below this ucsdet's answers for short documents were wrong more often than right
    // (Shift_JIS for a few Arabic words); U+FFFD at least shows where the text was lost.
    constexpr int kMinimumConfidence = 20;
    if (const std::optional<Detected> detected = detect_with_icu(bytes, kMinimumConfidence)) {
        const std::string encoding = detected_encoding(detected->name);
        if (std::optional<std::string> converted = convert_with_icu(bytes, encoding)) {
            warnings.push_back("no encoding declared and the bytes are not UTF-8; detected " + encoding +
                               " (confidence " + std::to_string(detected->confidence) + ")");
            return DecodedDocument{.utf8 = std::move(*converted),
                                   .encoding = {.declared = "", .used = encoding, .source = "detected"},
                                   .warnings = std::move(warnings)};
        }
    }
    return finish_utf8(bytes, bytes, EncodingDecision{.declared = "", .used = "UTF-8", .source = "default"},
                       std::move(warnings), borrow_input);
}

}  // namespace tributary::parse

#include "parse/xml_repair.hpp"

#include <array>
#include <cstdint>
#include <optional>

#include "parse/html_entities.hpp"

namespace tributary::parse {
namespace {

bool is_ascii_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) noexcept { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool is_forbidden_control(unsigned char c) noexcept { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

bool xml_allows(std::uint32_t cp) noexcept {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// HTML maps &#128;..&#159; to windows-1252 because that is what the authors meant; in XML
// they are C1 controls nobody wants. 0 marks the five bytes windows-1252 leaves undefined.
constexpr std::array<std::uint16_t, 32> kWindows1252C1{0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                       0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                       0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                       0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

struct Counts {
    std::size_t junk_bytes = 0;
    std::size_t html_entities = 0;
    std::string first_html_entity;
    std::size_t bare_ampersands = 0;
    std::size_t control_characters = 0;
    std::size_t windows1252_references = 0;
    std::size_t uppercase_hex_references = 0;
};

// A U+FFFE or U+FFFF encoded at s[i] (EF BF BE / EF BF BF).
bool is_noncharacter_at(std::string_view s, std::size_t i) noexcept {
    return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xEF &&
           static_cast<unsigned char>(s[i + 1]) == 0xBF &&
           (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF);
}

class Repairer {
public:
    explicit Repairer(std::string_view in) : in_(in) { out_.reserve(in.size() + in.size() / 32); }

    RepairedXml run() {
        skip_leading_junk();
        while (pos_ < in_.size()) {
            const char c = in_[pos_];
            if (c == '<') {
                markup();
            } else if (c == '&') {
                reference();
            } else {
                copy_one();
            }
        }
        return RepairedXml{.text = std::move(out_), .warnings = warnings()};
    }

private:
    void skip_leading_junk() {
        const std::size_t declaration = in_.substr(0, 4096).find("<?xml");
        std::size_t start = 0;
        if (declaration != std::string_view::npos) {
            start = declaration;
        } else {
            const std::size_t first_tag = in_.find('<');
            if (first_tag != std::string_view::npos &&
                in_.substr(0, first_tag).find_first_not_of(" \t\r\n") != std::string_view::npos)
                start = first_tag;
        }
        counts_.junk_bytes = start;
        pos_ = start;
    }

    void copy_one() {
        const auto byte = static_cast<unsigned char>(in_[pos_]);
        if (is_forbidden_control(byte)) {
            ++counts_.control_characters;
            ++pos_;
        } else if (byte == 0xEF && is_noncharacter_at(in_, pos_)) {
            ++counts_.control_characters;
            pos_ += 3;
        } else {
            out_ += in_[pos_++];
        }
    }

    // Copies through `terminator` (or to the end) with no entity handling.
    void copy_through(std::string_view terminator) {
        const std::size_t end = in_.find(terminator, pos_);
        const std::size_t stop = end == std::string_view::npos ? in_.size() : end + terminator.size();
        while (pos_ < stop) copy_one();
    }

    void markup() {
        const std::string_view rest = in_.substr(pos_);
        if (rest.starts_with("<![CDATA[")) return copy_through("]]>");
        if (rest.starts_with("<!--")) return copy_through("-->");
        if (rest.starts_with("<?")) return copy_through("?>");
        if (rest.starts_with("<!")) return doctype();
        copy_one();
    }

    void doctype() {
        int depth = 0;
        while (pos_ < in_.size()) {
            const char c = in_[pos_];
            copy_one();
            if (c == '[') ++depth;
            if (c == ']') --depth;
            if (c == '>' && depth <= 0) return;
        }
    }

    void reference() {
        const std::string_view rest = in_.substr(pos_);
        if (rest.size() > 1 && rest[1] == '#') return numeric_reference(rest);
        std::size_t length = 1;
        while (length < rest.size() && length < 40 &&
               (is_ascii_letter(rest[length]) || (length > 1 && is_ascii_digit(rest[length]))))
            ++length;
        if (length == 1 || length >= rest.size() || rest[length] != ';') return bare_ampersand();
        const std::string_view name = rest.substr(1, length - 1);
        if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
            out_.append(rest.substr(0, length + 1));
            pos_ += length + 1;
            return;
        }
        const std::optional<std::string_view> text = lookup_html_entity(name);
        if (!text) return bare_ampersand();
        append_escaped(*text);
        if (counts_.html_entities++ == 0) counts_.first_html_entity = std::string(name);
        pos_ += length + 1;
    }

    // &AMP; and friends expand to characters that would open markup again.
    void append_escaped(std::string_view text) {
        for (const char c : text) {
            switch (c) {
                case '&': out_ += "&amp;"; break;
                case '<': out_ += "&lt;"; break;
                case '>': out_ += "&gt;"; break;
                case '"': out_ += "&quot;"; break;
                case '\'': out_ += "&apos;"; break;
                default: out_ += c;
            }
        }
    }

    void numeric_reference(std::string_view rest) {
        const bool hex = rest.size() > 2 && (rest[2] == 'x' || rest[2] == 'X');
        std::size_t i = hex ? 3 : 2;
        std::uint32_t value = 0;
        const std::size_t digits_start = i;
        while (i < rest.size() && i - digits_start < 8 && (hex ? is_hex_digit(rest[i]) : is_ascii_digit(rest[i]))) {
            const char d = rest[i];
            const std::uint32_t digit = is_ascii_digit(d)        ? static_cast<std::uint32_t>(d - '0')
                                        : (d >= 'a' && d <= 'f') ? static_cast<std::uint32_t>(d - 'a' + 10)
                                                                 : static_cast<std::uint32_t>(d - 'A' + 10);
            value = value * (hex ? 16 : 10) + digit;
            ++i;
        }
        if (i == digits_start || i >= rest.size() || rest[i] != ';') return bare_ampersand();
        pos_ += i + 1;
        const bool uppercase_x = hex && rest[2] == 'X';  // HTML allows "&#X41;", XML does not
        if (value >= 0x80 && value <= 0x9F && kWindows1252C1[value - 0x80] != 0) {
            append_utf8(out_, kWindows1252C1[value - 0x80]);
            ++counts_.windows1252_references;
        } else if (xml_allows(value) && uppercase_x) {
            out_.append("&#x").append(rest.substr(3, i - 2));
            ++counts_.uppercase_hex_references;
        } else if (xml_allows(value)) {
            out_.append(rest.substr(0, i + 1));
        } else {
            ++counts_.control_characters;
        }
    }

    void bare_ampersand() {
        out_ += "&amp;";
        ++counts_.bare_ampersands;
        ++pos_;
    }

    std::vector<std::string> warnings() const {
        std::vector<std::string> out;
        if (counts_.junk_bytes > 0)
            out.push_back("removed " + std::to_string(counts_.junk_bytes) + " bytes before the XML declaration");
        if (counts_.html_entities > 0)
            out.push_back("replaced " + std::to_string(counts_.html_entities) + " HTML entities (first: &" +
                          counts_.first_html_entity + ";) with their characters");
        if (counts_.bare_ampersands > 0)
            out.push_back("escaped " + std::to_string(counts_.bare_ampersands) + " '&' that started no entity");
        if (counts_.control_characters > 0)
            out.push_back("removed " + std::to_string(counts_.control_characters) +
                          " characters XML 1.0 does not allow");
        if (counts_.windows1252_references > 0)
            out.push_back("read " + std::to_string(counts_.windows1252_references) +
                          " references &#128;-&#159; as windows-1252");
        if (counts_.uppercase_hex_references > 0)
            out.push_back("rewrote " + std::to_string(counts_.uppercase_hex_references) +
                          " references written &#X…; as &#x…;");
        return out;
    }

    std::string_view in_;
    std::string out_;
    std::size_t pos_ = 0;
    Counts counts_;
};

}  // namespace

RepairedXml repair_xml(std::string_view utf8) { return Repairer{utf8}.run(); }

}  // namespace tributary::parse

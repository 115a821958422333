#include "parse/xml_repair.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.hpp"
#include "parse/html_entities.hpp"
#include "parse/utf8.hpp"

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
    std::size_t declared_entities = 0;
    std::size_t bare_less_thans = 0;
};

// A U+FFFE or U+FFFF encoded at s[i] (EF BF BE / EF BF BF).
bool is_noncharacter_at(std::string_view s, std::size_t i) noexcept {
    return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xEF &&
           static_cast<unsigned char>(s[i + 1]) == 0xBF &&
           (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF);
}

class Repairer {
public:
    explicit Repairer(std::string_view in)
        : in_(in), expansion_limit_(std::max(kMinimumExpansion, kExpansionPerInputByte * in.size())) {}

    RepairedXml run() {
        skip_leading_junk();
        while (pos_ < in_.size()) {
            skip_plain();
            if (pos_ >= in_.size()) break;
            const char c = in_[pos_];
            if (!refused_.empty()) break;  // no point reading further
            if (c == '<') {
                markup();
            } else if (c == '&') {
                reference();
            } else {
                copy_one();
            }
        }
        if (!refused_.empty()) return RepairedXml{.text = {}, .warnings = {}, .changed = false, .refused = refused_};
        if (!changed_) return RepairedXml{.text = {}, .warnings = {}, .changed = false, .refused = {}};
        out_.append(in_.substr(flushed_));
        return RepairedXml{.text = std::move(out_), .warnings = warnings(), .changed = true, .refused = {}};
    }

private:
    // The output is built only once something changes: until then (and between changes) input
    // bytes are merely skipped over, and flushed in one piece before the next change.
    void begin_change() {
        if (!changed_) {
            out_.reserve(in_.size() + in_.size() / 32);
            changed_ = true;
        }
        out_.append(in_.substr(flushed_, pos_ - flushed_));
    }
    void end_change() { flushed_ = pos_; }

    // Bytes that need no look: everything but '<', '&', C0 controls and 0xEF (which may start
    // U+FFFE/U+FFFF); '<' and '&' that begin ordinary markup are passed over too.
    void skip_plain() { pos_ = next_look<true>(pos_, in_.size()); }

    // The first position in [from, to) whose byte needs a look: a C0 control XML forbids, 0xEF,
    // and with kMarkup a '<' or '&' that does not begin ordinary markup. Sixteen bytes at a time
    // with SSE2 (every x86-64 has it), then one at a time. Without kMarkup it reads CDATA sections
    // and comments, where WordPress and most CMSs put every description and content:encoded.
    template <bool kMarkup>
    std::size_t next_look(std::size_t from, std::size_t to) const {
        const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
        std::size_t i = from;
#if defined(__SSE2__)
        const __m128i less_than = _mm_set1_epi8('<');
        const __m128i ampersand = _mm_set1_epi8('&');
        const __m128i ef = _mm_set1_epi8(static_cast<char>(0xEF));
        const __m128i last_control = _mm_set1_epi8(0x1F);
        const __m128i tab = _mm_set1_epi8('\t');
        const __m128i line_feed = _mm_set1_epi8('\n');
        const __m128i carriage_return = _mm_set1_epi8('\r');
        while (i + 16 <= to) {
            const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(block, last_control), last_control);
            const __m128i allowed_control =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, tab), _mm_cmpeq_epi8(block, line_feed)),
                             _mm_cmpeq_epi8(block, carriage_return));
            __m128i look = _mm_or_si128(_mm_cmpeq_epi8(block, ef), _mm_andnot_si128(allowed_control, control));
            if constexpr (kMarkup)
                look = _mm_or_si128(look,
                                    _mm_or_si128(_mm_cmpeq_epi8(block, less_than), _mm_cmpeq_epi8(block, ampersand)));
            auto mask = static_cast<unsigned>(_mm_movemask_epi8(look));
            for (; mask != 0; mask &= mask - 1) {
                const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
                if (kMarkup && is_ordinary_markup(p + at, in_.size() - at)) continue;
                return at;
            }
            i += 16;
        }
#endif
        for (; i < to; ++i) {
            if (kMarkup ? !kNeedsLook[p[i]] : !kMayBeForbidden[p[i]]) continue;
            if (kMarkup && is_ordinary_markup(p + i, in_.size() - i)) continue;
            return i;
        }
        return to;
    }

    // A start or end tag ("<a", "</") or one of the five predefined entities: what most of the
    // '<' and '&' of a document begin, and nothing to repair. Telling them apart here, without
    // leaving the scan, is what keeps the scan fast on markup-dense feeds. The bytes that follow
    // are letters, '/' and ';', which the scan passes over anyway.
    static bool is_ordinary_markup(const unsigned char* at, std::size_t available) noexcept {
        if (available < 2) return false;
        if (at[0] == '<') return is_ascii_letter(static_cast<char>(at[1])) || at[1] == '/';
        if (at[0] != '&' || available < 4) return false;
        const std::string_view rest(reinterpret_cast<const char*>(at), std::min<std::size_t>(available, 6));
        return rest.starts_with("&lt;") || rest.starts_with("&gt;") || rest.starts_with("&amp;") ||
               rest.starts_with("&quot;") || rest.starts_with("&apos;");
    }

    static constexpr std::array<bool, 256> kNeedsLook = [] {
        std::array<bool, 256> table{};
        for (int b = 0; b < 0x20; ++b) table[static_cast<std::size_t>(b)] = b != '\t' && b != '\n' && b != '\r';
        table['<'] = table['&'] = table[0xEF] = true;
        return table;
    }();

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
        if (start > 0) {
            changed_ = true;
            out_.reserve(in_.size());
            pos_ = start;
            flushed_ = start;
        }
    }

    void copy_one() {
        const auto byte = static_cast<unsigned char>(in_[pos_]);
        if (is_forbidden_control(byte)) {
            ++counts_.control_characters;
            begin_change();
            ++pos_;
            end_change();
        } else if (byte == 0xEF && is_noncharacter_at(in_, pos_)) {
            ++counts_.control_characters;
            begin_change();
            pos_ += 3;
            end_change();
        } else {
            ++pos_;
        }
    }

    // Copies through `terminator` (or to the end) with no entity handling: only the characters
    // XML forbids need a look, so the bytes between them are skipped in one go.
    void copy_through(std::string_view terminator) {
        const std::size_t end = in_.find(terminator, pos_);
        const std::size_t stop = end == std::string_view::npos ? in_.size() : end + terminator.size();
        while ((pos_ = next_look<false>(pos_, stop)) < stop) copy_one();
    }

    static constexpr std::array<bool, 256> kMayBeForbidden = [] {
        std::array<bool, 256> table{};
        for (int b = 0; b < 0x20; ++b) table[static_cast<std::size_t>(b)] = b != '\t' && b != '\n' && b != '\r';
        table[0xEF] = true;
        return table;
    }();

    void markup() {
        const std::string_view rest = in_.substr(pos_);
        if (rest.starts_with("<![CDATA[")) return copy_through("]]>");
        if (rest.starts_with("<!--")) return copy_through("-->");
        if (rest.starts_with("<?")) return copy_through("?>");
        if (rest.starts_with("<!")) return doctype();
        // "a < b", "<3", "< /": no tag can start like that, so it is text that forgot to escape.
        if (rest.size() < 2 || !can_start_tag(rest[1])) {
            begin_change();
            out_ += "&lt;";
            ++counts_.bare_less_thans;
            ++pos_;
            end_change();
            return;
        }
        copy_one();
    }

    static bool can_start_tag(char c) noexcept {
        return is_ascii_letter(c) || c == '/' || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
    }

    void doctype() {
        const std::size_t start = pos_;
        int depth = 0;
        while (pos_ < in_.size()) {
            const char c = in_[pos_];
            copy_one();
            if (c == '[') ++depth;
            if (c == ']') --depth;
            if (c == '>' && depth <= 0) break;
        }
        read_entity_declarations(in_.substr(start, pos_ - start));
    }

    // <!ENTITY name "value"> in a DOCTYPE's internal subset: pugixml keeps such references
    // unexpanded, so we expand them (general entities only, not %parameter ones).
    void read_entity_declarations(std::string_view doctype) {
        std::size_t at = 0;
        while ((at = doctype.find("<!ENTITY", at)) != std::string_view::npos) {
            at += 8;
            std::size_t i = at;
            const auto skip_space = [&] {
                while (i < doctype.size() &&
                       (doctype[i] == ' ' || doctype[i] == '\t' || doctype[i] == '\r' || doctype[i] == '\n'))
                    ++i;
            };
            skip_space();
            if (i >= doctype.size() || doctype[i] == '%') continue;
            const std::size_t name_start = i;
            while (i < doctype.size() && (is_ascii_letter(doctype[i]) || is_ascii_digit(doctype[i]) ||
                                          doctype[i] == '_' || doctype[i] == '-' || doctype[i] == '.'))
                ++i;
            const std::string_view name = doctype.substr(name_start, i - name_start);
            skip_space();
            if (name.empty() || i >= doctype.size() || (doctype[i] != '"' && doctype[i] != '\'')) continue;
            const std::size_t close = doctype.find(doctype[i], i + 1);
            if (close == std::string_view::npos) break;
            if (declared_.size() < 1000)
                // The DOCTYPE was copied with its forbidden characters dropped, but the value is read
                // from the input: drop them here too, or &name; would bring them back (found by fuzzing).
                declared_.emplace(std::string(name), xml_safe_utf8(doctype.substr(i + 1, close - i - 1)));
            at = close;
        }
    }

    // The replacement text of a declared entity, its own references to declared entities
    // expanded in turn; depth and size are bounded so that "billion laughs" stays cheap.
    bool expand_declared(std::string_view name, int depth) {
        const auto it = declared_.find(std::string(name));
        if (it == declared_.end()) return false;
        if (depth > kMaxEntityDepth) {
            refuse("entity &" + std::string(name) + "; nests declared entities more than " +
                   std::to_string(kMaxEntityDepth) + " deep (an entity-expansion attack?)");
            return true;
        }
        const std::string_view value = it->second;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (expansion_budget_ == 0) {
                refuse("entities declared in the DOCTYPE expand past " + std::to_string(expansion_limit_ / 1024) +
                       " KiB (an entity-expansion attack?)");
                return true;
            }
            --expansion_budget_;
            if (value[i] == '&') {
                const std::size_t semicolon = value.find(';', i);
                if (semicolon != std::string_view::npos && value[i + 1] != '#' &&
                    expand_declared(value.substr(i + 1, semicolon - i - 1), depth + 1)) {
                    i = semicolon;
                    continue;
                }
            }
            out_ += value[i];
        }
        return true;
    }

    void reference() {
        const std::string_view rest = in_.substr(pos_);
        // The five XML entities are most of what a feed escapes (&lt;p&gt; in every description).
        for (const std::string_view predefined : {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"})
            if (rest.starts_with(predefined)) {
                pos_ += predefined.size();
                return;
            }
        if (rest.size() > 1 && rest[1] == '#') return numeric_reference(rest);
        std::size_t length = 1;
        while (length < rest.size() && length < 40 &&
               (is_ascii_letter(rest[length]) || (length > 1 && is_ascii_digit(rest[length]))))
            ++length;
        if (length == 1 || length >= rest.size() || rest[length] != ';') return bare_ampersand();
        const std::string_view name = rest.substr(1, length - 1);
        if (declared_.contains(std::string(name))) {
            begin_change();
            (void)expand_declared(name, 0);
            ++counts_.declared_entities;
            pos_ += length + 1;
            end_change();
            return;
        }
        const std::optional<std::string_view> text = lookup_html_entity(name);
        if (!text) return bare_ampersand();
        begin_change();
        append_escaped(*text);
        if (counts_.html_entities++ == 0) counts_.first_html_entity = std::string(name);
        pos_ += length + 1;
        end_change();
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
        const bool uppercase_x = hex && rest[2] == 'X';  // HTML allows "&#X41;", XML does not
        const bool windows1252 = value >= 0x80 && value <= 0x9F && kWindows1252C1[value - 0x80] != 0;
        if (xml_allows(value) && !uppercase_x && !windows1252) {
            pos_ += i + 1;
            return;
        }
        begin_change();
        pos_ += i + 1;
        if (windows1252) {
            append_utf8(out_, kWindows1252C1[value - 0x80]);
            ++counts_.windows1252_references;
        } else if (xml_allows(value)) {
            out_.append("&#x").append(rest.substr(3, i - 2));
            ++counts_.uppercase_hex_references;
        } else {
            ++counts_.control_characters;
        }
        end_change();
    }

    void bare_ampersand() {
        begin_change();
        out_ += "&amp;";
        ++counts_.bare_ampersands;
        ++pos_;
        end_change();
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
        if (counts_.bare_less_thans > 0)
            out.push_back("escaped " + std::to_string(counts_.bare_less_thans) + " '<' that started no tag");
        if (counts_.declared_entities > 0)
            out.push_back("expanded " + std::to_string(counts_.declared_entities) +
                          " references to entities declared in the DOCTYPE");
        return out;
    }

    std::string_view in_;
    std::string out_;
    std::size_t pos_ = 0;
    std::size_t flushed_ = 0;  // in_[flushed_, pos_) is not in out_ yet
    bool changed_ = false;
    Counts counts_;
    std::map<std::string, std::string> declared_;
    // Real feeds declare a few short entities (&nbsp; as "&#160;", a site name) but may use them
    // in every item: the expansion may be a few times the document, or 64 KiB for a small one.
    // An attack ("billion laughs") multiplies a small document a billion times, far past that.
    static constexpr int kMaxEntityDepth = 4;
    static constexpr std::size_t kMinimumExpansion = 64u << 10;
    static constexpr std::size_t kExpansionPerInputByte = 4;
    std::size_t expansion_limit_;
    std::size_t expansion_budget_ = expansion_limit_;
    std::string refused_;

    void refuse(std::string why) {
        if (refused_.empty()) refused_ = std::move(why);
        expansion_budget_ = 0;
    }
};

}  // namespace

RepairedXml repair_xml(std::string_view utf8) { return Repairer{utf8}.run(); }

}  // namespace tributary::parse

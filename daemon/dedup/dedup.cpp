#include "dedup/dedup.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <bit>
#include <map>
#include <set>

#include "core/text.hpp"
#include "dedup/story_features.hpp"
#include "dedup/word_memo.hpp"

namespace tributary::dedup {
namespace {

constexpr std::size_t kLeadWords = 32;
constexpr std::size_t kMinLeadWords = 8;

bool is_tracking_parameter(std::string_view name) {
    static constexpr std::array<std::string_view, 12> kExact{"fbclid", "gclid",  "dclid", "msclkid", "yclid", "mc_cid",
                                                             "mc_eid", "igshid", "_ga",   "_hsenc",  "_hsmi", "ocid"};
    const std::string lower = to_lower_ascii(name);
    if (lower.starts_with("utm_")) return true;
    return std::find(kExact.begin(), kExact.end(), lower) != kExact.end();
}

// SplitMix64's finaliser: spreads FNV's bits so every SimHash bit is fair.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

std::vector<std::string_view> words_of(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ') ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

std::uint64_t simhash(const std::vector<std::string_view>& words) {
    if (words.empty()) return 0;
    // How many hashes set each bit; a bit of the result is set when more than half did. The counts
    // are kept eight to a 64-bit word, one per byte: adding (h >> j) & 0x0101… to lanes[j] counts
    // bit j of each of the hash's eight bytes at once, eight additions a hash where one per bit
    // was 2% of a cold cycle's instructions. A byte holds 255: the lanes go to the full counts
    // before they can overflow, and at the end. The bits are those of a plain count.
    constexpr std::uint64_t kLowBitOfEachByte = 0x0101010101010101u;
    constexpr std::uint32_t kLaneLimit = 255;
    std::array<std::uint32_t, 64> set{};
    std::array<std::uint64_t, 8> lanes{};
    std::uint32_t hashes = 0, in_lanes = 0;
    auto empty_lanes = [&] {
        for (unsigned j = 0; j < 8; ++j) {
            for (unsigned byte = 0; byte < 8; ++byte)
                set[8 * byte + j] += static_cast<std::uint32_t>((lanes[j] >> (8 * byte)) & 0xFFu);
            lanes[j] = 0;
        }
        in_lanes = 0;
    };
    auto count = [&](std::uint64_t h) {
        for (unsigned j = 0; j < 8; ++j) lanes[j] += (h >> j) & kLowBitOfEachByte;
        ++hashes;
        if (++in_lanes == kLaneLimit) empty_lanes();
    };
    if (words.size() < 3) {
        for (const auto w : words) count(mix(fnv1a64(w)));
    } else {
        // Word trigrams: order matters, so two texts sharing words but not sentences stay apart.
        // Each is hashed as the text "w1 w2 w3", without building that text.
        for (std::size_t i = 0; i + 2 < words.size(); ++i) {
            const std::uint64_t first = fnv1a64(" ", fnv1a64(words[i]));
            const std::uint64_t second = fnv1a64(" ", fnv1a64(words[i + 1], first));
            count(mix(fnv1a64(words[i + 2], second)));
        }
    }
    empty_lanes();
    std::uint64_t out = 0;
    for (unsigned bit = 0; bit < 64; ++bit)
        if (2 * set[bit] > hashes) out |= std::uint64_t{1} << bit;
    return out;
}

// FNV-1a of the fields joined by a separator, fed field by field: the hash of the joined text,
// stored in every item row, without copying an item's text into one string first.
std::string content_hash(const ParsedItem& item) {
    static constexpr std::string_view kSep = "\x1f";
    std::uint64_t h = kFnv1a64Basis;
    const auto field = [&h](std::string_view s) { h = fnv1a64(kSep, fnv1a64(s, h)); };
    for (const std::string* s : {&item.title, &item.link, &item.author, &item.summary, &item.content, &item.comments})
        field(*s);
    for (const auto& c : item.categories) field(c);
    for (const auto& e : item.enclosures) field(e.url);
    field(item.published ? std::to_string(item.published->time_since_epoch().count()) : "-");
    h = fnv1a64(item.updated ? std::to_string(item.updated->time_since_epoch().count()) : "-", h);
    return hex64(h);
}

std::string base_key(const ParsedItem& item) {
    if (const auto id = trim(item.id); !id.empty()) return "g:" + std::string(id);
    if (auto url = canonical_url(item.link); !url.empty()) return "l:" + url;
    std::string basis = item.title;
    basis += '\n';
    if (item.published) basis += std::to_string(item.published->time_since_epoch().count());
    basis += '\n';
    basis += item.summary;
    return "h:" + hex64(fnv1a64(basis));
}

}  // namespace

std::string canonical_url(std::string_view url) {
    url = trim(url);
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const std::string scheme = to_lower_ascii(url.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") return {};
    std::string_view rest = url.substr(scheme_end + 3);
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    const auto authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view path_and_query = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    std::string host = to_lower_ascii(authority);
    if (host.empty()) return {};
    if (scheme == "http" && host.ends_with(":80")) host.resize(host.size() - 3);
    if (scheme == "https" && host.ends_with(":443")) host.resize(host.size() - 4);
    if (host.ends_with('.')) host.pop_back();

    std::string_view path = path_and_query.substr(0, path_and_query.find('?'));
    std::string_view query;
    if (const auto q = path_and_query.find('?'); q != std::string_view::npos) query = path_and_query.substr(q + 1);

    std::string kept_query;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view param = query.substr(0, amp);
        const std::string_view name = param.substr(0, param.find('='));
        if (!param.empty() && !is_tracking_parameter(name)) {
            if (!kept_query.empty()) kept_query += '&';
            kept_query += param;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    std::string out = scheme + "://" + host + (path.empty() ? "/" : std::string(path));
    if (!kept_query.empty()) out += "?" + kept_query;
    return out;
}

namespace {

// normalize_text of a text without a byte above 0x7F: NFKD leaves ASCII as it is, and what follows
// keeps letters and digits, lower-cased, with one space for each run of anything else between them.
std::string normalize_ascii(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (const char c : text) {
        const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
        if (!lower && !upper && !digit) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(upper ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return out;
}

}  // namespace

std::string normalize_text(std::string_view text) {
    if (is_ascii(text)) return normalize_ascii(text);
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
    if (U_FAILURE(status)) return to_lower_ascii(text);
    const icu::UnicodeString decomposed = nfkd->normalize(
        icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))), status);
    if (U_FAILURE(status)) return to_lower_ascii(text);

    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (int32_t i = 0; i < decomposed.length();) {
        UChar32 c = decomposed.char32At(i);
        i += U16_LENGTH(c);
        const int8_t category = u_charType(c);
        if (category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK || c == 0x0640 /* tatweel */) continue;
        if (category == U_DECIMAL_DIGIT_NUMBER) c = '0' + u_charDigitValue(c);
        switch (c) {
            case 0x0649: c = 0x064A; break;  // alef maqsura → yeh
            case 0x06CC: c = 0x064A; break;  // farsi yeh → yeh
            case 0x0629: c = 0x0647; break;  // teh marbuta → heh
            case 0x0671: c = 0x0627; break;  // alef wasla → alef
            case 0x06A9: c = 0x0643; break;  // keheh → kaf
            default: break;
        }
        if (!u_isalnum(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        append_utf8(out, static_cast<std::uint32_t>(u_foldCase(c, U_FOLD_CASE_DEFAULT)));
    }
    return out;
}

namespace {

class NormMemo {
public:
    const std::string& get(std::string_view word) {
        if (const std::string* norm = memo_.find(word)) return *norm;
        if (memo_.full()) memo_.clear();
        return memo_.insert(word, normalize_text(word));
    }

private:
    WordMemo<std::string> memo_{32 * 1024};
};

}  // namespace

const std::string& normalize_word(std::string_view word) {
    thread_local NormMemo memo;
    return memo.get(word);
}

std::string text_of_html(std::string_view html) {
    std::string out;
    out.reserve(html.size());
    for (std::size_t i = 0; i < html.size();) {
        // Text up to the next tag or entity in one piece: most of a summary.
        std::size_t plain = i;
        while (plain < html.size() && html[plain] != '<' && html[plain] != '&') ++plain;
        out.append(html.substr(i, plain - i));
        i = plain;
        if (i == html.size()) break;
        const char c = html[i];
        if (c == '<') {
            const auto close = html.find('>', i);
            if (close == std::string_view::npos) break;
            out.push_back(' ');  // block boundaries separate words
            i = close + 1;
            continue;
        }
        if (c == '&') {
            const auto semi = html.find(';', i);
            if (semi != std::string_view::npos && semi - i <= 10) {
                const std::string_view entity = html.substr(i + 1, semi - i - 1);
                static const std::map<std::string_view, std::string_view> kNamed{
                    {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
                if (const auto it = kNamed.find(entity); it != kNamed.end()) {
                    out.append(it->second);
                    i = semi + 1;
                    continue;
                }
                if (entity.starts_with('#')) {  // numeric: only separators matter for words
                    out.push_back(' ');
                    i = semi + 1;
                    continue;
                }
            }
        }
        out.push_back(c);
        ++i;
    }
    return out;
}

namespace {

// The start of a text that holds its first `words` words, cut at an ASCII space, tab or newline
// (so that normalizing the start gives the start of the normalized whole: normalize_text works
// character by character, and no mark or ligature spans a space); the whole text when shorter.
// normalize_text(text), token by token through the per-thread memo: the same words, since no
// mark or ligature spans the whitespace between tokens (see leading_words).
std::string normalize_tokens(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    for (std::size_t i = 0; i < text.size();) {
        while (i < text.size() && is_space(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        if (i == start) continue;
        const auto append = [&out](std::string_view norm) {
            if (norm.empty()) return;
            if (!out.empty()) out.push_back(' ');
            out += norm;
        };
        const std::string_view token = text.substr(start, i - start);
        if (is_ascii(token)) {
            append(normalize_ascii(token));
        } else {
            append(normalize_word(token));
        }
    }
    return out;
}

std::string_view leading_words(std::string_view text, std::size_t words) {
    std::size_t seen = 0;
    bool in_token = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool space = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
        if (space && in_token && ++seen == words) return text.substr(0, i);
        in_token = !space;
    }
    return text;
}

}  // namespace

std::uint64_t story_fingerprint(const ParsedItem& item) {
    return story_fingerprint(item, text_of_html(item.summary.empty() ? item.content : item.summary));
}

std::uint64_t story_fingerprint(const ParsedItem& item, std::string_view text) {
    // Only the lead counts: normalizing a long article whole cost more than all the rest of an
    // item's keys. Raw tokens may normalize to fewer words (punctuation alone), so a short start
    // is tried first, then a generous one, then the whole text. Each gives the first words of the
    // next (see leading_words), so the first to hold kLeadWords words decides as the whole would.
    std::string body;
    std::vector<std::string_view> words;
    for (const std::size_t raw_words : {kLeadWords + kLeadWords / 4, 4 * kLeadWords, text.size()}) {
        const std::string_view start = leading_words(text, raw_words);
        body = normalize_tokens(start);
        words = words_of(body);
        if (words.size() >= kLeadWords || start.size() == text.size()) break;
    }
    if (words.size() >= kMinLeadWords) {
        if (words.size() > kLeadWords) words.resize(kLeadWords);
        return simhash(words);
    }
    const std::string title = normalize_text(item.title);
    std::string both = title + " " + body;
    return simhash(words_of(both));
}

std::vector<ItemKeys> compute_keys(std::span<const ParsedItem> items) {
    std::vector<ItemKeys> keys = identity_keys(items);
    for (std::size_t i = 0; i < items.size(); ++i) add_story_keys(keys[i], items[i]);
    return keys;
}

void add_story_keys(ItemKeys& keys, const ParsedItem& item) {
    const StoryFeatures features = extract_features(item);
    keys.fingerprint = features.fingerprint;  // story_fingerprint(item), computed once
    keys.features = serialize(features);
}

std::vector<ItemKeys> identity_keys(std::span<const ParsedItem> items) {
    std::vector<ItemKeys> keys;
    keys.reserve(items.size());
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const ParsedItem& item = items[i];
        ItemKeys k;
        k.canonical_url = canonical_url(item.link);
        k.item_key = base_key(item);
        if (seen.contains(k.item_key)) {
            std::string alternative = k.item_key + "|l:" + k.canonical_url;
            if (k.canonical_url.empty() || seen.contains(alternative))
                alternative = k.item_key + "|#" + std::to_string(i);
            k.item_key = std::move(alternative);
        }
        seen.insert(k.item_key);
        k.content_hash = content_hash(item);
        keys.push_back(std::move(k));
    }
    return keys;
}

std::optional<std::int64_t> match_story(const ItemKeys& keys, const ParsedItem& /*item*/,
                                        std::span<const StoryCandidate> recent) {
    std::optional<std::int64_t> best;
    int best_distance = kMaxStoryDistance + 1;
    for (const StoryCandidate& candidate : recent) {
        if (!keys.canonical_url.empty() && candidate.canonical_url == keys.canonical_url) return candidate.story_id;
        if (keys.fingerprint == 0 || candidate.fingerprint == 0) continue;
        const int distance = std::popcount(keys.fingerprint ^ candidate.fingerprint);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate.story_id;
        }
    }
    return best;
}

}  // namespace tributary::dedup

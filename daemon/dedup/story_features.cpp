#include "dedup/story_features.hpp"

#include <libstemmer.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <span>
#include <string_view>
#include <unordered_set>

#include "core/text.hpp"
#include "dedup/dedup.hpp"
#include "dedup/lexicon.hpp"
#include "dedup/word_memo.hpp"

namespace tributary::dedup {
namespace {

using lexicon::Lang;

// ------------------------------------------------------------------ stemming ---

struct StemmerDeleter {
    void operator()(sb_stemmer* s) const noexcept { sb_stemmer_delete(s); }
};
using StemmerHandle = std::unique_ptr<sb_stemmer, StemmerDeleter>;

// A Snowball stemmer keeps its work buffer inside the handle, so one handle must never serve
// two threads: each thread that extracts features owns one per language, for its lifetime.
// Stems are remembered with the other facts of a word (WordFactsMemo).
class Stemmers {
public:
    std::string stem(Lang lang, std::string_view word) {
        sb_stemmer* stemmer = handle(lang);
        if (stemmer == nullptr || word.empty()) return std::string(word);
        const sb_symbol* out =
            sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
        if (out == nullptr) return std::string(word);  // out of memory: the word as it is
        return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(stemmer)));
    }

private:
    sb_stemmer* handle(Lang lang) {
        const auto index = static_cast<std::size_t>(lang);
        if (!handles_[index] && !tried_[index]) {
            tried_[index] = true;
            const char* name = lang == Lang::ar ? "arabic" : lang == Lang::fr ? "french" : "english";
            if (lang != Lang::other) handles_[index].reset(sb_stemmer_new(name, "UTF_8"));
        }
        return handles_[index].get();
    }

    std::array<StemmerHandle, 4> handles_;
    std::array<bool, 4> tried_{};
};

Stemmers& thread_stemmers() {
    thread_local Stemmers stemmers;
    return stemmers;
}

constexpr std::string_view kHeh = "\u0647";
constexpr std::string_view kTehMarbuta = "\u0629";
constexpr std::string_view kAl = "\u0627\u0644";  // ال

// Snowball's Arabic stemmer, fed what normalize_text leaves, misses two things news text is full
// of: the conjunction و/ف before the article ("والمغرب" stays whole) and the feminine ending,
// which normalize_text writes as heh and the stemmer only strips as teh marbuta. Both are
// undone around it, the same way for every word, so two texts still agree on each stem.
std::string stem_arabic(std::string_view word) {
    std::string w(word);
    for (const std::string_view conj : {std::string_view{"\u0648"}, std::string_view{"\u0641"}}) {
        const std::string_view rest = std::string_view(w).substr(std::min(w.size(), conj.size()));
        if (w.starts_with(conj) && (rest.starts_with(kAl) || rest.starts_with("\u0644\u0644")) && rest.size() >= 8) {
            w.erase(0, conj.size());
            break;
        }
    }
    if (w.ends_with(kHeh) && w.size() >= 3 * kHeh.size()) w.replace(w.size() - kHeh.size(), kHeh.size(), kTehMarbuta);
    std::string out = thread_stemmers().stem(Lang::ar, w);
    if (out.ends_with(kTehMarbuta)) out.replace(out.size() - kTehMarbuta.size(), kTehMarbuta.size(), kHeh);
    return out;
}

// ------------------------------------------------------------------ words ---

enum class Script : std::uint8_t { latin, arabic, digits, other };

struct Word {
    std::string text;  // as written; digits of any script as ASCII, a decimal separator as '.'
    std::string norm;  // normalize_text(text)
    std::string gap;   // the characters between the previous word and this one
    Script script = Script::other;
    bool upper_first = false;
    bool all_upper = false;
    bool sentence_start = false;
    class WordFacts* facts = nullptr;  // look_up_words(): what the lexicon says of norm
};

// What the lexicon and the stemmers say of one word, asked once per distinct word a thread meets
// instead of once per question per occurrence: news words follow a Zipf law, and the lookups of
// every word of every item (stop lists, weekdays, months, markers, cues, stems) were over a quarter of
// extract_features. Each answer is looked up when first asked for.
class WordFacts {
public:
    bool noise(Lang list, std::string_view norm) {
        const auto bit = static_cast<std::uint16_t>(1u << static_cast<unsigned>(list));
        if (!(known_ & bit)) {
            known_ |= bit;
            if (lexicon::is_noise_word(list, norm)) noise_ |= bit;
        }
        return noise_ & bit;
    }
    std::optional<int> weekday(std::string_view norm) {
        if (!(known_ & kWeekday)) {
            known_ |= kWeekday;
            weekday_ = static_cast<std::int8_t>(lexicon::weekday_of(norm).value_or(0));
        }
        return weekday_ ? std::optional<int>(weekday_) : std::nullopt;
    }
    std::optional<int> month(std::string_view norm) {
        if (!(known_ & kMonth)) {
            known_ |= kMonth;
            month_ = static_cast<std::int8_t>(lexicon::month_of(norm).value_or(0));
        }
        return month_ ? std::optional<int>(month_) : std::nullopt;
    }
    // +1 French, -1 English, 0 neither.
    int marker(std::string_view norm) {
        if (!(known_ & kMarker)) {
            known_ |= kMarker;
            marker_ = lexicon::is_french_marker(norm) ? 1 : lexicon::is_english_marker(norm) ? -1 : 0;
        }
        return marker_;
    }
    lexicon::Cue cue(std::string_view norm) {
        if (!(known_ & kCue)) {
            known_ |= kCue;
            cue_ = lexicon::cue_of(norm);
        }
        return cue_;
    }
    // lexicon::may_start_place: asked of every Arabic word twice (its proclitic taken off, two
    // lookups), and true for few.
    bool starts_place(std::string_view norm) {
        if (!(known_ & kPlaceStart)) {
            known_ |= kPlaceStart;
            starts_place_ = lexicon::may_start_place(norm);
        }
        return starts_place_;
    }
    // Its stem in `lang`: stem_arabic for Lang::ar (an Arabic word), else a French or English one.
    const std::string& stem(Lang lang, std::string_view norm);

private:
    static constexpr std::uint16_t kWeekday = 1u << 4, kMonth = 1u << 5, kMarker = 1u << 6, kCue = 1u << 7,
                                   kStem = 1u << 8, kEnglishStem = 1u << 9, kPlaceStart = 1u << 10;
    std::uint16_t known_ = 0;  // bits 0-3: noise in list Lang k, then what the constants name
    std::uint8_t noise_ = 0;
    std::int8_t weekday_ = 0, month_ = 0, marker_ = 0;
    lexicon::Cue cue_ = lexicon::Cue::none;
    bool starts_place_ = false;
    std::string stem_, english_stem_;  // an Arabic or French stem; an English one
};

const std::string& WordFacts::stem(Lang lang, std::string_view norm) {
    const std::uint16_t bit = lang == Lang::en ? kEnglishStem : kStem;
    std::string& out = lang == Lang::en ? english_stem_ : stem_;
    if (!(known_ & bit)) {
        known_ |= bit;
        out = lang == Lang::ar ? stem_arabic(norm) : thread_stemmers().stem(lang, norm);
    }
    return out;
}

class WordFactsMemo {
public:
    // Before the words of an item are looked up: entries stay where they are until the next
    // call, so a Word may point at its facts while its item is read.
    void start_item() {
        if (memo_.full()) memo_.clear();
    }
    WordFacts& of(Script script, const std::string& norm) {
        const auto kind = static_cast<std::uint8_t>(script);
        if (WordFacts* facts = memo_.find(norm, kind)) return *facts;
        return memo_.insert(norm, WordFacts{}, kind);
    }

private:
    // About 130 bytes an entry: 2 MB a thread at most.
    WordMemo<WordFacts> memo_{16 * 1024};
};

WordFactsMemo& thread_word_facts() {
    thread_local WordFactsMemo memo;
    return memo;
}

// Points each word at its facts (unglue_places looks a word up again when it changes its norm).
void look_up_words(std::vector<Word>& words) {
    WordFactsMemo& memo = thread_word_facts();
    for (Word& w : words) w.facts = &memo.of(w.script, w.norm);
}

std::optional<int> month_of(const Word& w) { return w.facts->month(w.norm); }
lexicon::Cue cue_of(const Word& w) { return w.facts->cue(w.norm); }

// Bytes of text read at most: a lead is the first words, and a title is short, so a huge
// content field is not read past this.
constexpr std::size_t kMaxTextBytes = 16 * 1024;

bool is_mark(UChar32 c) {
    const int8_t t = u_charType(c);
    return t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK || c == 0x0640;
}

bool is_digit(UChar32 c) { return u_charType(c) == U_DECIMAL_DIGIT_NUMBER; }

bool ends_sentence(std::string_view gap) {
    // Sentence ends, quotes, brackets, dashes, bullets and line breaks: after any of them a
    // capital letter says nothing about the word. One pass over the gap, which is a single
    // space for most words (24 searches of it were a quarter of words_of_text).
    static constexpr std::string_view kAsciiMarks = ".!?:;\"()[]|\n";
    static constexpr std::array<std::string_view, 10> kWideMarks{"\u201C", "\u201D", "\u00AB", "\u00BB", "\u2014",
                                                                 "\u2013", "\u2022", "\u061F", "\u061B", "\u06D4"};
    for (std::size_t i = 0; i < gap.size(); ++i) {
        const char c = gap[i];
        if (kAsciiMarks.find(c) != std::string_view::npos) return true;
        if (c == '-' && ((i > 0 && gap[i - 1] == ' ') || (i + 1 < gap.size() && gap[i + 1] == ' '))) return true;
        if (static_cast<unsigned char>(c) >= 0x80)
            for (const std::string_view m : kWideMarks)
                if (gap.substr(i).starts_with(m)) return true;
    }
    return false;
}

bool is_upper(UChar32 c, bool ascii) { return ascii ? c >= 'A' && c <= 'Z' : u_isupper(c) != 0; }

bool is_ascii_letter(std::uint8_t b) { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'); }

// What words_of_text asks ICU of a character, for the Arabic block (U+0600..U+06FF), where most
// of an Arabic text's characters are: read once from ICU itself, so the answers are ICU's.
// Asked per character, the four property lookups were a fifth of words_of_text.
struct CharFacts {
    bool digit = false;  // is_digit()
    bool alpha = false;  // u_isalpha()
    bool mark = false;   // is_mark()
    bool upper = false;  // u_isupper()
    Script script = Script::other;
};
Script script_of(UChar32 c) {
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode code = uscript_getScript(c, &status);
    return code == USCRIPT_ARABIC ? Script::arabic : code == USCRIPT_LATIN ? Script::latin : Script::other;
}
constexpr UChar32 kArabicBlock = 0x0600;
const std::array<CharFacts, 256>& arabic_block_facts() {
    static const std::array<CharFacts, 256> facts = [] {
        std::array<CharFacts, 256> out{};
        for (UChar32 k = 0; k < 256; ++k) {
            const UChar32 c = kArabicBlock + k;
            out[static_cast<std::size_t>(k)] = {is_digit(c), u_isalpha(c) != 0, is_mark(c), u_isupper(c) != 0,
                                                script_of(c)};
        }
        return out;
    }();
    return facts;
}

// Thousands are written in groups: "10 000" (French, with a space or a narrow no-break space),
// "10.000" (many Moroccan sites), "10,000" (English; the comma reads as a point), "١٠٬٠٠٠"
// (the Arabic thousands separator). All become "10000", as one amount must be one term and one
// quantity however a site writes it ("10 000 dirhams" was read as 0 dirhams). A group is three
// digits after a number of at most three, so "2012 100" stays two numbers and "2,25" a decimal.
// The cost: a decimal of exactly three places after at most three digits ("6.125") reads as
// thousands, which news rarely writes.
bool separates_groups(std::string_view gap) {
    return gap == " " || gap == "\u00A0" || gap == "\u202F" || gap == "\u2009" || gap == "\u066C";
}

bool is_digit_group(const Word& w) {
    return w.script == Script::digits && w.text.size() == 3 && w.text.find('.') == std::string::npos;
}

// "10.000" or "1.500.000": one to three digits, then groups of three after points.
bool is_pointed_thousands(std::string_view text) {
    const auto first = text.find('.');
    if (first == std::string_view::npos || first == 0 || first > 3) return false;
    for (std::size_t at = first; at < text.size(); at += 4)
        if (text[at] != '.' || at + 4 > text.size() || text.substr(at + 1, 3).find('.') != std::string_view::npos)
            return false;
    return true;
}

// Rewrites the words in place, and moves them only behind a join: most texts have none.
void join_digit_groups(std::vector<Word>& words) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::size_t at = i;
        Word& w = words[at];
        if (w.script == Script::digits) {
            bool changed = false;
            if (is_pointed_thousands(w.text)) {
                std::erase(w.text, '.');
                changed = true;
            }
            if (w.text.size() <= 3 && w.text.find('.') == std::string::npos) {
                while (i + 1 < words.size() && is_digit_group(words[i + 1]) && separates_groups(words[i + 1].gap)) {
                    w.text += words[++i].text;
                    changed = true;
                }
            }
            if (changed) w.norm = w.text;
        }
        if (kept != at) words[kept] = std::move(w);
        ++kept;
    }
    words.resize(kept);
}

// Words of a plain text with what a reader sees around them: case, script, the punctuation
// before each. A word is a run of letters (with their marks) or a run of digits, so "14h30" is
// three words and "6,1" one number.
std::vector<Word> words_of_text(std::string_view text, std::size_t max_words, std::string* trailing_gap = nullptr) {
    text = text.substr(0, std::min(text.size(), kMaxTextBytes));
    const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
    const auto length = static_cast<int32_t>(text.size());
    std::vector<Word> words;
    words.reserve(std::min(max_words, text.size() / 2 + 1));
    // The word being read is built in place, at the end of the list, rather than moved there
    // once read (moving a Word, three strings, cost about 150 instructions a word).
    const auto current = [&]() -> Word& { return words.back(); };
    std::string gap;
    int letters = 0, uppers = 0;
    bool in_word = false;

    const auto finish = [&] {
        if (!in_word) return;
        Word& w = current();
        w.all_upper = letters >= 2 && uppers == letters;
        w.sentence_start = words.size() == 1 || ends_sentence(w.gap);
        // ICU for what needs it; a run of ASCII letters only needs lower case, and a number stays
        // as written (normalize_text would split "6.1").
        w.norm = w.script == Script::digits ? w.text
                 : is_ascii(w.text)         ? to_lower_ascii(w.text)
                                            : normalize_word(w.text);
        in_word = false;
        letters = uppers = 0;
    };
    const auto peek = [&](int32_t at) -> UChar32 {
        if (at >= length) return U_SENTINEL;
        UChar32 c = 0;
        U8_NEXT(bytes, at, length, c);
        return c;
    };

    const std::array<CharFacts, 256>& arabic = arabic_block_facts();
    int32_t i = 0;
    // Words read to their end; the one being read is already in the list.
    const auto read = [&] { return words.size() - (in_word ? 1 : 0); };
    for (; i < length && read() < max_words;) {
        const int32_t start = i;
        UChar32 c = 0;
        U8_NEXT(bytes, i, length, c);
        if (c < 0) {  // ill-formed UTF-8: a separator
            finish();
            gap.push_back(' ');
            continue;
        }
        // ASCII (most of a Latin text, and the spaces and punctuation of any) is classified
        // without ICU's property lookups, which give the same answers there.
        const bool ascii = c < 0x80;
        const CharFacts* known =
            c >= kArabicBlock && c < kArabicBlock + 256 ? &arabic[static_cast<std::size_t>(c - kArabicBlock)] : nullptr;
        const bool digit = ascii ? c >= '0' && c <= '9' : known ? known->digit : is_digit(c);
        const bool alpha = ascii ? is_ascii_letter(static_cast<std::uint8_t>(c))
                                 : !digit && (known ? known->alpha : u_isalpha(c) != 0);
        const bool letter =
            !digit &&
            (alpha || (!ascii && in_word && current().script != Script::digits && (known ? known->mark : is_mark(c))));
        if (in_word && current().script == Script::digits && (c == '.' || c == ',' || c == 0x066B) &&
            is_digit(peek(i))) {
            current().text.push_back('.');
            continue;
        }
        if (!digit && !letter) {
            finish();
            gap.append(reinterpret_cast<const char*>(bytes + start), static_cast<std::size_t>(i - start));
            continue;
        }
        const Script script = digit ? Script::digits : ascii ? Script::latin : known ? known->script : script_of(c);
        if (in_word && (script == Script::digits) != (current().script == Script::digits)) finish();
        if (!in_word) {
            in_word = true;
            words.emplace_back();
            current().script = script;
            current().gap = std::move(gap);
            gap.clear();
            current().upper_first = !digit && (known ? known->upper : is_upper(c, ascii));
        }
        if (digit) {
            current().text.push_back(static_cast<char>(ascii ? c : '0' + u_charDigitValue(c)));
        } else if (ascii) {
            // The rest of a run of ASCII letters at once (most of a Latin word): each would be
            // read as this one was, a letter of the same word.
            int32_t end = i;
            while (end < length && is_ascii_letter(bytes[end])) ++end;
            for (int32_t k = start; k < end; ++k) uppers += is_upper(bytes[k], true) ? 1 : 0;
            letters += end - start;
            current().text.append(reinterpret_cast<const char*>(bytes + start), static_cast<std::size_t>(end - start));
            i = end;
        } else {
            append_utf8(current().text, static_cast<std::uint32_t>(c));
            if (alpha) {
                ++letters;
                uppers += (known ? known->upper : is_upper(c, false)) ? 1 : 0;
            }
        }
    }
    finish();
    join_digit_groups(words);
    if (trailing_gap != nullptr) {
        // What follows the last word, up to the next one: "4 %" ending a text or a lead is a rate.
        constexpr std::size_t kMaxTrailingGap = 16;
        while (i < length && gap.size() < kMaxTrailingGap) {
            const int32_t start = i;
            UChar32 c = 0;
            U8_NEXT(bytes, i, length, c);
            if (c >= 0 && (is_digit(c) || u_isalpha(c))) break;
            gap.append(reinterpret_cast<const char*>(bytes + start), static_cast<std::size_t>(i - start));
        }
        *trailing_gap = std::move(gap);
    }

    // normalize_text can turn one written word into several (a ligature of a phrase): split them
    // so every norm is one word. Rare: most texts need no second list.
    if (std::none_of(words.begin(), words.end(),
                     [](const Word& w) { return w.norm.empty() || w.norm.find(' ') != std::string::npos; }))
        return words;
    std::vector<Word> out;
    out.reserve(words.size());
    for (Word& w : words) {
        if (w.norm.empty()) continue;
        if (w.norm.find(' ') == std::string::npos) {
            out.push_back(std::move(w));
            continue;
        }
        std::size_t pos = 0;
        while (pos < w.norm.size()) {
            const std::size_t end = std::min(w.norm.find(' ', pos), w.norm.size());
            Word part = w;
            part.norm = w.norm.substr(pos, end - pos);
            out.push_back(std::move(part));
            pos = end + 1;
        }
    }
    return out;
}

// A known place written with a proclitic ("بطنجة", "وأزيلال") is read as the place alone, so its
// term and entity are the same whichever preposition or conjunction the sentence put before it.
// (Snowball strips some of these letters and not others, and would leave "وازيلال" whole.)
// After look_up_words: a word whose norm changes is looked up again.
void unglue_places(std::vector<Word>& words) {
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (words[i].script != Script::arabic || !words[i].facts->starts_place(words[i].norm)) continue;
        // Views, not copies: every Arabic word is asked, and most are longer than a short string.
        const std::array<std::string_view, 2> window{words[i].norm,
                                                     i + 1 < words.size() ? words[i + 1].norm : std::string_view{}};
        const std::size_t count = i + 1 < words.size() ? 2 : 1;
        if (lexicon::Place place = lexicon::place_at(std::span(window).first(count));
            place.words > 0 && place.first != words[i].norm) {
            words[i].norm = std::move(place.first);
            words[i].facts = &thread_word_facts().of(words[i].script, words[i].norm);
        }
    }
}

// ------------------------------------------------------------------ language ---

Lang guess_language(const std::vector<Word>& title, const std::vector<Word>& lead, std::string_view hint) {
    int arabic = 0, latin = 0, french = 0, english = 0;
    for (const auto* words : {&title, &lead})
        for (const Word& w : *words) {
            if (w.script == Script::arabic) ++arabic;
            if (w.script != Script::latin) continue;
            ++latin;
            const int marker = w.facts->marker(w.norm);
            french += marker > 0 ? 1 : 0;
            english += marker < 0 ? 1 : 0;
        }
    if (arabic > 0 && arabic >= latin) return Lang::ar;
    if (latin > 0 && french != english) return french > english ? Lang::fr : Lang::en;
    const std::string h = to_lower_ascii(hint.substr(0, 2));
    if (h == "ar") return Lang::ar;
    if (h == "fr") return Lang::fr;
    if (h == "en") return Lang::en;
    return Lang::other;
}

Lang latin_list(Lang lang) { return lang == Lang::fr || lang == Lang::en ? lang : Lang::other; }

// Whether `s` holds at least `n` code points: counts no further than the n-th (asked of every
// word, where counting a whole long word was most of is_noise).
bool has_code_points(std::string_view s, std::size_t n) {
    std::size_t seen = 0;
    for (const char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++seen >= n) return true;
    return n == 0;
}

// A word that says nothing of which event a text reports: function words, the verbs and days
// every report uses, single letters (initials, elided articles). Numbers always count.
bool is_noise(const Word& w, Lang lang) {
    if (w.script == Script::digits) return false;
    if (!has_code_points(w.norm, 2)) return true;
    const Lang list = w.script == Script::arabic ? Lang::ar : latin_list(lang);
    return w.facts->noise(list, w.norm);
}

// Arabic words take the Arabic stemmer whatever the document's language; Latin words take the
// document's, and stay as written in an Arabic text, where they are names (Cadena SER).
const std::string& term_of(const Word& w, Lang lang) {
    if (w.script == Script::arabic) return w.facts->stem(Lang::ar, w.norm);
    if (w.script == Script::latin && (lang == Lang::fr || lang == Lang::en)) return w.facts->stem(lang, w.norm);
    return w.norm;
}

// Sorted by term, each with its count (sorting a vector: a tree of strings cost a node a word).
// The terms are sorted as views (of the words' norms, or of the stems the thread's memo keeps for
// this item), and each distinct one copied once.
std::vector<TermCount> terms_of(const std::vector<Word>& words, Lang lang) {
    std::vector<std::string_view> terms;
    terms.reserve(words.size());
    for (const Word& w : words)
        if (!is_noise(w, lang)) terms.push_back(term_of(w, lang));
    std::sort(terms.begin(), terms.end());
    std::vector<TermCount> out;
    for (std::size_t i = 0; i < terms.size();) {
        std::size_t j = i + 1;
        while (j < terms.size() && terms[j] == terms[i]) ++j;
        out.push_back({std::string(terms[i]), static_cast<std::uint32_t>(j - i)});
        i = j;
    }
    return out;
}

// ------------------------------------------------------------------ entities ---

// Only spaces, or the hyphen or apostrophe inside one name (Jean-Pierre, O'Brien).
bool joins_name(std::string_view gap) {
    if (gap == "-" || gap == "'" || gap == "\u2019") return true;
    return !gap.empty() && std::all_of(gap.begin(), gap.end(), [](char c) { return c == ' ' || c == '\t'; });
}

bool is_capitalised(const Word& w) { return w.script == Script::latin && (w.upper_first || w.all_upper); }

// A headline In Title Case capitalises every word, so its capitals say nothing.
bool is_title_case(const std::vector<Word>& title) {
    int long_words = 0, capitalised = 0;
    for (std::size_t i = 1; i < title.size(); ++i) {
        if (title[i].script != Script::latin || !has_code_points(title[i].norm, 4)) continue;
        ++long_words;
        capitalised += is_capitalised(title[i]) ? 1 : 0;
    }
    return long_words >= 2 && capitalised * 4 >= long_words * 3;
}

bool is_name_connector(const Word& w) {
    static constexpr std::array<std::string_view, 14> kConnectors{"de", "du",  "des", "la",  "le",  "of",  "al",
                                                                  "el", "ben", "bin", "ibn", "van", "von", "der"};
    return w.script == Script::latin && !w.upper_first &&
           std::find(kConnectors.begin(), kConnectors.end(), w.norm) != kConnectors.end();
}

// lexicon::place_at of the words from i, at most `count` of them. A place is named by one or two
// words, so only the first two are passed, from an array: a vector of their norms was allocated
// for every Arabic word.
lexicon::Place place_from(const std::vector<Word>& words, std::size_t i, std::size_t count) {
    if (i >= words.size() || count == 0 || !words[i].facts->starts_place(words[i].norm)) return {};
    std::array<std::string_view, 2> norms;
    std::size_t n = 0;
    for (std::size_t k = i; k < words.size() && k < i + count && n < norms.size(); ++k) norms[n++] = words[k].norm;
    return lexicon::place_at(std::span(norms).first(n));
}

bool is_amn(std::string_view word) {  // أمن, security
    static const std::string amn = normalize_text("\u0623\u0645\u0646");
    return word == amn;
}

class EntityFinder {
public:
    EntityFinder(Lang lang, std::set<Entity>& out) : lang_(lang), out_(out) {}

    // Latin capitalised words seen where a capital is not forced (not sentence-initial, not in a
    // Title Case headline): a sentence-initial word alone is a name only if it is also one of them.
    void confirm_capitals(const std::vector<Word>& words) {
        for (const Word& w : words)
            if (is_capitalised(w) && (!w.sentence_start || lang_ == Lang::ar)) confirmed_.insert(w.norm);
    }

    void find(const std::vector<Word>& words, bool capitals_meaningful) {
        for (std::size_t i = 0; i < words.size();) {
            if (words[i].script == Script::arabic) {
                i = arabic_at(words, i);
            } else if (capitals_meaningful && is_capitalised(words[i]) && !is_unit_abbreviation(words, i)) {
                i = latin_run_at(words, i);
            } else {
                ++i;
            }
        }
    }

private:
    // "10 MDH", "3 M€", "1,2 Md€", "5 KM", "2 milliards de DH": capitals that abbreviate a
    // unit, not a name. A currency is one wherever it stands; other units only after a number.
    static bool is_unit_abbreviation(const std::vector<Word>& words, std::size_t i) {
        if (lexicon::is_currency(lexicon::unit_of(words[i].norm)) || lexicon::money_word_of(words[i].norm)) return true;
        if (i == 0 || words[i - 1].script != Script::digits) return false;
        if (!words[i].gap.empty() && !joins_name(words[i].gap)) return false;
        const std::string_view norm = words[i].norm;
        return !lexicon::unit_of(norm).empty() || lexicon::multiplier_of(norm) ||
               lexicon::short_money_multiplier_of(norm);
    }

    void add(const std::vector<Word>& words, std::size_t from, std::size_t to, EntityKind kind) {
        std::string key;
        for (std::size_t k = from; k < to; ++k) {
            if (is_noise(words[k], lang_) || words[k].script == Script::digits) continue;
            if (!key.empty()) key.push_back(' ');
            key += term_of(words[k], lang_);
        }
        if (!key.empty()) out_.insert({std::move(key), kind});
    }

    // A run of capitalised words (with "de", "of", "ben"… between two of them), without the
    // function words, months and weekdays that a capital may start.
    std::size_t latin_run_at(const std::vector<Word>& words, std::size_t start) {
        std::size_t end = start + 1;
        while (end < words.size()) {
            if (is_capitalised(words[end]) && joins_name(words[end].gap)) {
                ++end;
            } else if (end + 1 < words.size() && is_name_connector(words[end]) && joins_name(words[end].gap) &&
                       is_capitalised(words[end + 1]) && joins_name(words[end + 1].gap)) {
                end += 2;
            } else {
                break;
            }
        }
        std::size_t from = start;
        while (from < end && (is_noise(words[from], lang_) || month_of(words[from]))) ++from;
        std::size_t to = end;
        while (to > from && (is_noise(words[to - 1], lang_) || is_name_connector(words[to - 1]))) --to;
        if (from == to) return end;
        // A capital forced by the start of a sentence says nothing of its word: kept only when the
        // word is capitalised elsewhere too ("Actress Lindsay Lohan" → "Lindsay Lohan").
        const bool after_honorific = from > 0 && cue_of(words[from - 1]) == lexicon::Cue::person;
        if (words[from].sentence_start && !after_honorific && lang_ != Lang::ar &&
            !confirmed_.contains(words[from].norm))
            ++from;
        if (from == to) return end;
        EntityKind kind = EntityKind::name;
        if (place_from(words, from, to - from).words == static_cast<int>(to - from)) {
            kind = EntityKind::place;
        } else if (after_honorific) {
            kind = EntityKind::person;
        }
        add(words, from, to, kind);
        return end;
    }

    // Arabic has no capitals: a place is a name we know or the word after a place noun (مدينة),
    // a person the words after a title (السيد, الملك, اللاعب); at most two words, as names
    // longer than that would run into the words that follow them.
    std::size_t arabic_at(const std::vector<Word>& words, std::size_t i) {
        if (const int n = place_from(words, i, 2).words; n > 0) {
            add(words, i, i + static_cast<std::size_t>(n), EntityKind::place);
            return i + static_cast<std::size_t>(n);
        }
        const lexicon::Cue cue = cue_of(words[i]);
        if (cue == lexicon::Cue::none) return i + 1;
        std::size_t from = i + 1;
        if (cue == lexicon::Cue::place) {
            // "ولاية أمن أكادير", "منطقة أمن الحي المحمدي": the police district of a place.
            if (from < words.size() && is_amn(words[from].norm)) ++from;
            const int known = place_from(words, from, 2).words;
            const std::size_t to = from + static_cast<std::size_t>(std::max(known, 1));
            if (to <= words.size() && usable_name_words(words, from, to)) add(words, from, to, EntityKind::place);
            return std::min(to, words.size());
        }
        std::size_t to = from;
        while (to < words.size() && to < from + 2 && usable_name_words(words, to, to + 1)) ++to;
        if (to > from) add(words, from, to, EntityKind::person);
        return std::max(to, from);
    }

    bool usable_name_words(const std::vector<Word>& words, std::size_t from, std::size_t to) const {
        for (std::size_t k = from; k < to; ++k) {
            const Word& w = words[k];
            if (w.script != Script::arabic || !joins_name(w.gap) || is_noise(w, lang_) ||
                cue_of(w) != lexicon::Cue::none || month_of(w))
                return false;
        }
        return true;
    }

    Lang lang_;
    std::set<Entity>& out_;
    std::unordered_set<std::string> confirmed_;
};

// ------------------------------------------------------------------ quantities ---

std::optional<double> number_value(std::string_view text) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return v;
}

std::optional<int> small_int(const Word& w) {
    if (w.script != Script::digits || w.text.size() > 4 || w.text.find('.') != std::string::npos) return std::nullopt;
    int v = 0;
    std::from_chars(w.text.data(), w.text.data() + w.text.size(), v);
    return v;
}

std::string format_value(double v) {
    std::array<char, 32> buf{};
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<long long>(v));
        return std::string(buf.data(), r.ptr);
    }
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

std::string date_key(int month, int day) {
    std::array<char, 16> buf{};
    std::snprintf(buf.data(), buf.size(), "date:%02d-%02d", month, day);
    return buf.data();
}

bool valid_day_month(int day, int month) { return day >= 1 && day <= 31 && month >= 1 && month <= 12; }

bool has(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// An amount of money: the number at words[i], its value v (times a multiplier written out in
// words[i + 1, j), as in "$334 million"), when a currency sign stands by it ("$334", "US$334",
// "3 €", "€3.5bn", "3 M€") or a currency follows a short multiplier ("4 mln dollars", "2 mds de
// dirhams"), or the number is followed by a word that is both ("10 MDH"). "usd:334000000".
std::optional<std::string> money_key(const std::vector<Word>& words, std::string_view trailing_gap, std::size_t i,
                                     std::size_t j, double v) {
    const std::size_t n = words.size();
    const auto gap_of = [&](std::size_t k) { return k < n ? trim(words[k].gap) : trim(trailing_gap); };
    const auto follows = [&](std::size_t k) { return k < n && (words[k].gap.empty() || joins_name(words[k].gap)); };
    // The first word after the amount, and a short multiplier ("m", "bn", "Md") before it.
    std::size_t after = j;
    double multiplier = 1;
    if (j == i + 1 && follows(j)) {
        if (const auto amount = lexicon::money_word_of(words[j].norm))
            return std::string(amount->unit) + ":" + format_value(v * amount->multiplier);
        if (const auto m = lexicon::short_money_multiplier_of(words[j].norm)) {
            multiplier = *m;
            after = j + 1;
        }
    }
    std::string_view unit = lexicon::currency_of_sign(words[i].gap);
    // An ISO code before the number, in capitals ("USD 5 million", "MAD 500"; in lower case,
    // "mad" is a word). The codes are the units' own names.
    if (unit.empty() && i > 0 && words[i - 1].all_upper && joins_name(words[i].gap)) {
        const std::string_view code = words[i - 1].norm;
        if (code == "usd" || code == "eur" || code == "gbp" || code == "mad") unit = code;
    }
    if (unit.empty()) unit = lexicon::currency_of_sign(gap_of(i + 1));
    if (unit.empty()) unit = lexicon::currency_of_sign(gap_of(after));
    if (unit.empty() && multiplier != 1 && after < n && joins_name(words[after].gap)) {
        std::size_t k = after;
        if (lexicon::is_unit_linker(words[k].norm) && k + 1 < n && joins_name(words[k + 1].gap)) ++k;
        if (const std::string_view named = lexicon::unit_of(words[k].norm); lexicon::is_currency(named)) unit = named;
    }
    if (unit.empty()) return std::nullopt;
    return std::string(unit) + ":" + format_value(v * multiplier);
}

// A minus sign written before a number (the gap before it ends with "-" or "−", which starts
// the text or follows a space or an opening bracket), not the hyphen of a range ("30-50") or of a
// name ("COVID-19").
bool is_minus_sign(std::string_view gap, std::size_t index) {
    std::string_view before;
    if (gap.ends_with("-"))
        before = gap.substr(0, gap.size() - 1);
    else if (gap.ends_with("\u2212"))
        before = gap.substr(0, gap.size() - std::string_view("\u2212").size());
    else
        return false;
    if (before.empty()) return index == 0;
    const char last = before.back();
    return last == ' ' || last == '(' || last == '\t' || last == '\n' || before.ends_with("\u00A0");
}

// "moins 5 degrés", "minus 5 degrees", "ناقص 5 درجات".
bool is_minus_word(const Word& w) {
    return w.norm == "moins" || w.norm == "minus" || w.norm == "\u0646\u0627\u0642\u0635";
}

// Numbers that carry their meaning with them (see StoryFeatures::quantities). Bare numbers are
// left to the terms, where a shared rare one counts like a shared rare word.
void find_quantities(const std::vector<Word>& words, std::string_view trailing_gap, std::set<std::string>& out) {
    const std::size_t n = words.size();
    const auto gap_of = [&](std::size_t k) { return k < n ? trim(words[k].gap) : trim(trailing_gap); };
    for (std::size_t i = 0; i < n; ++i) {
        const Word& w = words[i];
        if (w.script != Script::digits) {
            if (const auto day = w.facts->weekday(w.norm)) out.insert("wday:" + std::to_string(*day));
            continue;
        }
        const auto dots = std::count(w.text.begin(), w.text.end(), '.');
        if (dots == 2) {  // "29.12.2025" reads as one number
            int d = 0, m = 0;
            if (std::sscanf(w.text.c_str(), "%d.%d.", &d, &m) == 2 && valid_day_month(d, m)) out.insert(date_key(m, d));
            continue;
        }
        if (dots > 2) continue;
        const std::optional<double> value = number_value(w.text);
        if (!value) continue;
        const std::optional<int> a = small_int(w);
        const std::string_view sep = gap_of(i + 1);

        // Two numbers joined by a sign: a time, a score or a date.
        if (a && i + 1 < n) {
            if (const std::optional<int> b = small_int(words[i + 1])) {
                if (sep == ":" && words[i + 1].text.size() == 2 && *a <= 23) {  // 14:30, left out
                    ++i;
                    continue;
                }
                if ((sep == "-" || sep == "\u2013" || sep == ":") && w.text.size() <= 2 &&
                    words[i + 1].text.size() <= 2 && *a <= 20 && *b <= 20) {
                    out.insert("score:" + std::to_string(std::min(*a, *b)) + "-" + std::to_string(std::max(*a, *b)));
                    ++i;
                    continue;
                }
                const bool third = i + 2 < n && words[i + 2].script == Script::digits && gap_of(i + 2) == sep;
                if ((sep == "/" || sep == "-") && w.text.size() == 4 && third) {  // 2025-12-29
                    if (const auto d = small_int(words[i + 2]); d && valid_day_month(*d, *b))
                        out.insert(date_key(*b, *d));
                    i += 2;
                    continue;
                }
                if ((sep == "/" || (sep == "-" && third)) && valid_day_month(*a, *b)) {  // 29/12, 29/12/2025
                    out.insert(date_key(*b, *a));
                    i += third ? 2 : 1;
                    continue;
                }
            }
        }
        // A day with its month: "29 décembre", "1er mars", "29 دجنبر", "December 29", "Oct. 21".
        if (a && *a >= 1 && *a <= 31) {
            std::size_t j = i + 1;
            if (j < n && (words[j].norm == "er" || words[j].norm == "st" || words[j].norm == "nd" ||
                          words[j].norm == "rd" || words[j].norm == "th"))
                ++j;
            if (j < n && joins_name(words[j].gap)) {
                if (const auto month = month_of(words[j])) {
                    out.insert(date_key(*month, *a));
                    i = j;
                    continue;
                }
            }
            if (i > 0 && words[i - 1].script != Script::digits && (joins_name(w.gap) || trim(w.gap) == ".")) {
                if (const auto month = month_of(words[i - 1])) {
                    out.insert(date_key(*month, *a));
                    continue;
                }
            }
        }
        if ((i > 0 && lexicon::is_magnitude_cue(words[i - 1].norm)) ||
            (i + 1 < n && lexicon::is_magnitude_cue(words[i + 1].norm))) {
            out.insert("mag:" + format_value(*value));
            continue;
        }
        // A multiplier first ("$334 million", "3 millions de dirhams"), then the unit: a sign
        // written next to the number, or a word after it.
        double v = *value;
        std::size_t j = i + 1;
        if (j < n && joins_name(words[j].gap)) {
            if (const auto mult = lexicon::multiplier_of(words[j].norm)) {
                v *= *mult;
                ++j;
                if (j < n && lexicon::is_unit_linker(words[j].norm)) ++j;
            }
        }
        // A temperature below zero: "-5 °C" and "5 °C" are two bulletins. (A rate keeps no sign:
        // "-13,8 %" in a headline is "a reculé de 13,8 %" in the lead, and in another site's.)
        const bool below_zero = is_minus_sign(w.gap, i) || (i > 0 && joins_name(w.gap) && is_minus_word(words[i - 1]));
        const double degrees = below_zero ? -v : v;
        if (has(sep, "%") || has(sep, "\u066A")) {
            out.insert("pct:" + format_value(v));
            continue;
        }
        if (has(sep, "\u00B0")) {
            out.insert("deg:" + format_value(degrees));
            continue;
        }
        if (const std::optional<std::string> money = money_key(words, trailing_gap, i, j, v)) {
            out.insert(*money);
            continue;
        }
        if (j >= n || !joins_name(words[j].gap)) continue;
        std::string_view unit = lexicon::unit_of(words[j].norm);
        if (unit.empty() && j + 1 < n &&
            (words[j].norm == "pour" || words[j].norm == "per" || words[j].norm == "\u0641\u064A")) {  // في
            const std::string_view second = words[j + 1].norm;
            if (second == "cent" || lexicon::unit_of(second) == "pct") unit = "pct";
        }
        if (!unit.empty()) out.insert(std::string(unit) + ":" + format_value(unit == "deg" ? degrees : v));
    }
}

// ------------------------------------------------------------------ bytes ---

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

class ByteReader {
public:
    explicit ByteReader(std::string_view bytes) : rest_(bytes) {}

    std::optional<std::uint64_t> varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (rest_.empty()) return std::nullopt;
            const auto byte = static_cast<unsigned char>(rest_.front());
            rest_.remove_prefix(1);
            v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) return v;
        }
        return std::nullopt;
    }
    // A count of elements that each take at least one byte: never more than what is left, so a
    // corrupt count cannot make the caller reserve gigabytes.
    std::optional<std::size_t> count() {
        const auto v = varint();
        if (!v || *v > rest_.size()) return std::nullopt;
        return static_cast<std::size_t>(*v);
    }
    std::optional<std::string_view> string() {
        const auto len = varint();
        if (!len || *len > rest_.size()) return std::nullopt;
        const std::string_view s = rest_.substr(0, static_cast<std::size_t>(*len));
        rest_.remove_prefix(static_cast<std::size_t>(*len));
        return s;
    }
    std::optional<std::uint64_t> fixed64() {
        if (rest_.size() < 8) return std::nullopt;
        std::uint64_t v = 0;
        for (int k = 7; k >= 0; --k) v = v << 8 | static_cast<unsigned char>(rest_[static_cast<std::size_t>(k)]);
        rest_.remove_prefix(8);
        return v;
    }
    std::optional<unsigned char> byte() {
        if (rest_.empty()) return std::nullopt;
        const auto b = static_cast<unsigned char>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    bool done() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

constexpr std::string_view kMagic = "TSF";

void put_terms(std::string& out, const std::vector<TermCount>& terms) {
    put_varint(out, terms.size());
    for (const TermCount& t : terms) {
        put_string(out, t.term);
        put_varint(out, t.count);
    }
}

bool read_terms(ByteReader& in, std::vector<FeaturesView::Term>& terms) {
    terms.clear();
    const auto n = in.count();
    if (!n) return false;
    terms.reserve(*n);
    for (std::size_t k = 0; k < *n; ++k) {
        const auto term = in.string();
        const auto count = in.varint();
        if (!term || !count || *count == 0 || *count > 0xFFFFFFFFu) return false;
        if (!terms.empty() && !(terms.back().term < *term)) return false;  // sorted, each once
        terms.push_back({*term, static_cast<std::uint32_t>(*count)});
    }
    return true;
}

std::vector<TermCount> owned(const std::vector<FeaturesView::Term>& terms) {
    std::vector<TermCount> out;
    out.reserve(terms.size());
    for (const FeaturesView::Term& t : terms) out.push_back({std::string(t.term), t.count});
    return out;
}

}  // namespace

StoryFeatures extract_features(const ParsedItem& item) {
    constexpr std::size_t kMaxTitleWords = 64;
    std::string title_end, lead_end;
    std::vector<Word> title = words_of_text(item.title, kMaxTitleWords, &title_end);
    const std::string lead_text = text_of_html(item.summary.empty() ? item.content : item.summary);
    std::vector<Word> lead = words_of_text(lead_text, kFeatureLeadWords, &lead_end);
    thread_word_facts().start_item();
    look_up_words(title);
    look_up_words(lead);
    unglue_places(title);
    unglue_places(lead);
    const Lang lang = guess_language(title, lead, item.language);

    StoryFeatures f;
    static constexpr std::array<std::string_view, 4> kNames{"other", "ar", "fr", "en"};
    f.language = kNames[static_cast<std::size_t>(lang)];
    f.title = terms_of(title, lang);
    f.lead = terms_of(lead, lang);

    std::set<Entity> entities;
    EntityFinder finder(lang, entities);
    const bool title_capitals = !is_title_case(title);
    if (title_capitals) finder.confirm_capitals(title);
    finder.confirm_capitals(lead);
    finder.find(title, title_capitals);
    finder.find(lead, true);
    f.entities.assign(entities.begin(), entities.end());

    std::set<std::string> quantities;
    find_quantities(title, title_end, quantities);
    find_quantities(lead, lead_end, quantities);
    f.quantities.assign(quantities.begin(), quantities.end());

    f.fingerprint = story_fingerprint(item, lead_text);
    f.canonical_url = canonical_url(item.link);
    return f;
}

std::string serialize(const StoryFeatures& f) {
    std::string out(kMagic);
    out.push_back(static_cast<char>(kFeaturesVersion));
    put_string(out, f.language);
    for (int k = 0; k < 8; ++k) out.push_back(static_cast<char>((f.fingerprint >> (8 * k)) & 0xFF));
    put_string(out, f.canonical_url);
    put_terms(out, f.title);
    put_terms(out, f.lead);
    put_varint(out, f.entities.size());
    for (const Entity& e : f.entities) {
        out.push_back(static_cast<char>(e.kind));
        put_string(out, e.key);
    }
    put_varint(out, f.quantities.size());
    for (const std::string& q : f.quantities) put_string(out, q);
    return out;
}

bool read_features(std::string_view bytes, FeaturesView& out) {
    if (!bytes.starts_with(kMagic)) return false;
    ByteReader in(bytes.substr(kMagic.size()));
    if (in.byte() != kFeaturesVersion) return false;
    const auto language = in.string();
    const auto fingerprint = in.fixed64();
    const auto url = in.string();
    if (!language || !fingerprint || !url) return false;
    if (*language != "ar" && *language != "fr" && *language != "en" && *language != "other") return false;
    out.language = *language;
    out.fingerprint = *fingerprint;
    out.canonical_url = *url;
    if (!read_terms(in, out.title) || !read_terms(in, out.lead)) return false;
    out.entities.clear();
    const auto entities = in.count();
    if (!entities) return false;
    out.entities.reserve(*entities);
    for (std::size_t k = 0; k < *entities; ++k) {
        const auto kind = in.byte();
        const auto key = in.string();
        if (!kind || *kind > static_cast<unsigned char>(EntityKind::place) || !key || key->empty()) return false;
        const FeaturesView::Name e{*key, static_cast<EntityKind>(*kind)};
        // Sorted, each once, in Entity's order: by key, then kind.
        if (!out.entities.empty()) {
            const FeaturesView::Name& last = out.entities.back();
            if (!(last.key < e.key || (last.key == e.key && last.kind < e.kind))) return false;
        }
        out.entities.push_back(e);
    }
    out.quantities.clear();
    const auto quantities = in.count();
    if (!quantities) return false;
    out.quantities.reserve(*quantities);
    for (std::size_t k = 0; k < *quantities; ++k) {
        const auto q = in.string();
        if (!q || (!out.quantities.empty() && !(out.quantities.back() < *q))) return false;
        out.quantities.push_back(*q);
    }
    return in.done();
}

void view_features(const StoryFeatures& f, FeaturesView& out) {
    out.language = f.language;
    out.fingerprint = f.fingerprint;
    out.canonical_url = f.canonical_url;
    const auto view_terms = [](const std::vector<TermCount>& terms, std::vector<FeaturesView::Term>& to) {
        to.clear();
        to.reserve(terms.size());
        for (const TermCount& t : terms) to.push_back({t.term, t.count});
    };
    view_terms(f.title, out.title);
    view_terms(f.lead, out.lead);
    out.entities.clear();
    out.entities.reserve(f.entities.size());
    for (const Entity& e : f.entities) out.entities.push_back({e.key, e.kind});
    out.quantities.assign(f.quantities.begin(), f.quantities.end());
}

std::optional<StoryFeatures> deserialize(std::string_view bytes) {
    FeaturesView view;
    if (!read_features(bytes, view)) return std::nullopt;
    StoryFeatures f;
    f.language = view.language;
    f.fingerprint = view.fingerprint;
    f.canonical_url = view.canonical_url;
    f.title = owned(view.title);
    f.lead = owned(view.lead);
    f.entities.reserve(view.entities.size());
    for (const FeaturesView::Name& e : view.entities) f.entities.push_back({std::string(e.key), e.kind});
    f.quantities.assign(view.quantities.begin(), view.quantities.end());
    return f;
}

}  // namespace tributary::dedup

#pragma once
// The word lists story_features.cpp reads text with: stop words, month and weekday names, units,
// the Arabic words that announce a name or a place, and Moroccan place names. Our own compact
// lists (not copied from any stop-word project), kept short on purpose: a word missing here costs
// a little weight in a cosine, a wrong word here can hide what tells two events apart.
//
// Every lookup takes a word as normalize_text returns it (case-folded, without accents or
// tashkeel, Arabic letter variants unified); the lists are normalised the same way when first
// used, so they can be written here as people spell them.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tributary::dedup::lexicon {

enum class Lang : unsigned char { other, ar, fr, en };

// Function words of `lang` (for Lang::other: the French and English ones together).
bool is_stop_word(Lang lang, std::string_view word);

// Words that are frequent in every news item whatever the event (said, reported, today, …) in
// any of our three languages: removed like stop words.
bool is_news_filler(std::string_view word);

// is_stop_word(list, word) || is_news_filler(word) || weekday_of(word), in one lookup.
bool is_noise_word(Lang list, std::string_view word);

// Votes for a Latin-script language: distinctive function words of French and English.
bool is_french_marker(std::string_view word);
bool is_english_marker(std::string_view word);

// 1..12 for a month name or a common abbreviation (en, fr; Arabic: the Maghreb names, the
// Egyptian/Gulf ones and the single-word Levantine ones).
std::optional<int> month_of(std::string_view word);
// 1 (Monday) .. 7 (Sunday).
std::optional<int> weekday_of(std::string_view word);

// The canonical unit a word following a number names ("km", "pct", "deg", "mad", "eur", "usd",
// "gbp", "yr", "mm", "t", "kg", "ha"), or "" when the word is no unit we compare.
std::string_view unit_of(std::string_view word);
// 1e3, 1e6, 1e9 for thousand/million/billion words.
std::optional<double> multiplier_of(std::string_view word);
// 1e3, 1e6, 1e9 for the short forms written in amounts of money ("m", "mn", "bn", "md", "mds",
// "k"): the caller makes sure the amount is money, as "100m" alone is a distance.
std::optional<double> short_money_multiplier_of(std::string_view word);
// A word that is a currency and its multiplier at once: "mdh" (millions of dirhams), "mmdh".
struct Amount {
    std::string_view unit;
    double multiplier = 1;
};
std::optional<Amount> money_word_of(std::string_view word);
// Whether a unit of unit_of() is a currency ("usd", "eur", "mad", "gbp").
bool is_currency(std::string_view unit);
// The currency of a sign in the text around a number ("$", "US$", "€", "£"), or "".
std::string_view currency_of_sign(std::string_view text);
// A word before a number that makes it an earthquake's magnitude ("magnitude", "بقوة").
bool is_magnitude_cue(std::string_view word);
// Words between a multiplier and its unit ("de", "of", "من").
bool is_unit_linker(std::string_view word);

enum class Cue : unsigned char { none, person, place };
// What the word (an Arabic title or place noun, possibly with a one-letter proclitic, or a
// French/English honorific) says of the words that follow it.
Cue cue_of(std::string_view word);

// A place we know (Moroccan cities and regions, some capitals, in Arabic and in French spelling)
// at the start of `words`: how many words (1 or 2) name it, 0 for none, and its first word as the
// list spells it, without the proclitic the text may have attached ("بطنجة" → "طنجة").
struct Place {
    int words = 0;
    std::string first;
};
// Reads no more than the first two words.
Place place_at(std::span<const std::string_view> words);
// Whether a place we know starts with this word, as written or without its proclitic: place_at
// finds none at a word for which this is false.
bool may_start_place(std::string_view word);

}  // namespace tributary::dedup::lexicon

// Feed dates by hand: GCC 12 has no std::chrono::parse, and strptime depends on the locale.
// Two grammars, told apart by the first characters: RFC 3339 / ISO 8601 starts with a
// four-digit year and a '-'; everything else (RFC 822 / 1123, and dates as Arabic and French
// news sites write them, with weekday and month names, "1er", "الساعة", ص/م) is read by one
// liberal reader of words and numbers, which the date's own fields keep honest.
// A date that names no zone names a wall-clock time; parse_date(text, zone) places it in the
// feed's zone with ICU's zone data, which knows the summer times and Morocco's Ramadan hour.

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/ucal.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kDefaultZone = "Africa/Casablanca";

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The length in bytes of the space at `at`, 0 when there is none. Besides ASCII space and tab,
// the line breaks of a date that a feed's generator folded over two lines ("Sat, 16 Dec 2023\n
// 02:02:33 +0000"), and what sites put between the parts of a date: no-break spaces (French
// typography puts a narrow one before "h"), and the zero-width and direction marks that Arabic
// pages wrap digits and Latin letters in.
std::size_t space_length(std::string_view text, std::size_t at) noexcept {
    const auto byte = [&](std::size_t i) -> unsigned {
        return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u;
    };
    const unsigned third = byte(2);
    switch (byte(0)) {
        case ' ':
        case '\t':
        case '\n':
        case '\r': return 1;
        case 0xC2: return byte(1) == 0xA0 ? 2 : 0;  // U+00A0
        case 0xD8: return byte(1) == 0x9C ? 2 : 0;  // U+061C, the Arabic letter mark
        case 0xE2:
            if (byte(1) == 0x80 && ((third >= 0x80 && third <= 0x8F) || (third >= 0xA8 && third <= 0xAF)))
                return 3;  // U+2000..U+200F, U+2028..U+202F
            if (byte(1) == 0x81 && (third == 0x9F || third == 0xA0 || (third >= 0xA6 && third <= 0xA9)))
                return 3;  // U+205F, U+2060, U+2066..U+2069
            return 0;
        case 0xEF: return byte(1) == 0xBB && third == 0xBF ? 3 : 0;  // U+FEFF
        default: return 0;
    }
}

constexpr std::string_view kArabicComma = "\xD8\x8C";  // U+060C

class Cursor {
public:
    explicit Cursor(std::string_view text) : text_(text) {}

    bool done() const noexcept { return pos_ >= text_.size(); }
    char peek() const noexcept { return done() ? '\0' : text_[pos_]; }
    bool accept(char c) noexcept {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    bool accept(std::string_view s) noexcept {
        if (!text_.substr(pos_).starts_with(s)) return false;
        pos_ += s.size();
        return true;
    }
    void skip_spaces() noexcept {
        while (const std::size_t n = space_length(text_, pos_)) pos_ += n;
    }
    // Exactly `min`..`max` digits. Past nine digits the value saturates (found by fuzzing: the
    // fraction of a second may be long, and only its digits are skipped).
    std::optional<int> number(std::size_t min, std::size_t max) noexcept {
        std::size_t n = 0;
        int value = 0;
        while (n < max && pos_ + n < text_.size() && is_digit(text_[pos_ + n])) {
            value = value < 100'000'000 ? value * 10 + (text_[pos_ + n] - '0') : 999'999'999;
            ++n;
        }
        if (n < min) return std::nullopt;
        pos_ += n;
        return value;
    }
    // Letters in any script: a run of bytes that are not ASCII digits, spaces or punctuation,
    // and not one of the spaces above or an Arabic comma, which are not letters either.
    std::string_view word() noexcept {
        const std::size_t start = pos_;
        while (at_word()) ++pos_;
        return text_.substr(start, pos_ - start);
    }
    bool at_word() const noexcept {
        if (done()) return false;
        const char c = text_[pos_];
        if (is_letter(c)) return true;
        return static_cast<unsigned char>(c) >= 0x80 && space_length(text_, pos_) == 0 &&
               !text_.substr(pos_).starts_with(kArabicComma);
    }
    // The Arabic comma counts as the ASCII one.
    bool accept_comma() noexcept { return accept(',') || accept(kArabicComma); }
    // Letters and '/', for "Etc/GMT".
    std::string_view zone_name() noexcept {
        const std::size_t start = pos_;
        while (!done() && (is_letter(text_[pos_]) || text_[pos_] == '/')) ++pos_;
        return text_.substr(start, pos_ - start);
    }
    std::size_t digits_ahead() const noexcept {
        std::size_t n = 0;
        while (pos_ + n < text_.size() && is_digit(text_[pos_ + n])) ++n;
        return n;
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

// How a word is compared with the names below: ASCII lower case; Latin letters without their
// accents, which feeds drop ("decembre") or capitalise ("DÉC"); Arabic alef with hamza or madda
// as a bare alef, and no harakat or tatweel, whose use differs from one site to the next
// ("أبريل" and "ابريل", "صباحاً" and "صباحًا").
std::string folded(std::string_view word) {
    // U+00C0..U+00DF and U+00E0..U+00FF by their low five bits; '*' keeps the letter.
    static constexpr std::string_view kLatin1 = "aaaaaa*ceeeeiiii*nooooo**uuuuy**";
    std::string out;
    out.reserve(word.size());
    for (std::size_t i = 0; i < word.size(); ++i) {
        const auto c = static_cast<unsigned char>(word[i]);
        const unsigned next = i + 1 < word.size() ? static_cast<unsigned char>(word[i + 1]) : 0u;
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if (c == 0xC3 && next >= 0x80 && next <= 0xBF && kLatin1[next & 0x1F] != '*') {
            out += kLatin1[next & 0x1F];
            ++i;
        } else if ((c == 0xD8 && (next == 0xA2 || next == 0xA3 || next == 0xA5)) || (c == 0xD9 && next == 0xB1)) {
            out += "\xD8\xA7";  // U+0627
            ++i;
        } else if (c == 0xD9 && (next == 0x80 || (next >= 0x8B && next <= 0x92) || next == 0xB0)) {
            ++i;  // U+0640 tatweel, U+064B..U+0652 harakat, U+0670 superscript alef
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::optional<SysTime> make_time(int year, int month, int day, int hour, int minute, int second, seconds offset_east) {
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 24 || minute > 59 || second > 60) return std::nullopt;
    if (hour == 24 && (minute != 0 || second != 0)) return std::nullopt;
    // A leap second has no sys_seconds of its own; the next second is the nearest.
    return SysTime{std::chrono::sys_days{date}} + hours{hour} + minutes{minute} + seconds{second} - offset_east;
}

struct TimeOfDay {
    int hour = 0;
    int minute = 0;
    int second = 0;
};

struct CalendarDate {
    int year = 0;
    int month = 0;
    int day = 0;
};

// What a date says: the wall-clock time it names, counted as if it were UTC, and the offset
// from UTC when the text gives one. A date without one names a time in some zone that the
// text does not say; the caller decides which.
struct Reading {
    SysTime wall;
    std::optional<seconds> offset;
};

std::optional<Reading> reading(CalendarDate date, TimeOfDay time, std::optional<seconds> offset) {
    const std::optional<SysTime> wall =
        make_time(date.year, date.month, date.day, time.hour, time.minute, time.second, seconds{0});
    if (!wall) return std::nullopt;
    return Reading{*wall, offset};
}

// "hh:mm" or "hh:mm:ss"; where `fraction` allows it (ISO 8601), a fraction of a second after '.'
// or ',' is read and dropped: sub-second precision is below what we store.
std::optional<TimeOfDay> read_time(Cursor& in, std::size_t min_hour_digits, bool fraction) {
    const auto hh = in.number(min_hour_digits, 2);
    if (!hh || !in.accept(':')) return std::nullopt;
    const auto mi = in.number(2, 2);
    if (!mi) return std::nullopt;
    TimeOfDay time{.hour = *hh, .minute = *mi, .second = 0};
    if (in.accept(':')) {
        const auto ss = in.number(2, 2);
        if (!ss) return std::nullopt;
        time.second = *ss;
        if (fraction && (in.accept('.') || in.accept(','))) {
            if (in.digits_ahead() == 0) return std::nullopt;
            (void)in.number(1, 64);
        }
    }
    return time;
}

// "+0100", "-05:00", "+01", "Z".
std::optional<seconds> numeric_offset(Cursor& in) {
    if (in.accept('Z') || in.accept('z')) return seconds{0};
    const char sign = in.peek();
    if (sign != '+' && sign != '-') return std::nullopt;
    in.accept(sign);
    const auto hh = in.number(1, 2);  // "GMT+1" writes one digit
    if (!hh) return std::nullopt;
    int mm = 0;
    in.accept(':');
    if (in.digits_ahead() >= 2) mm = *in.number(2, 2);
    if (*hh > 23 || mm > 59) return std::nullopt;
    const seconds offset = hours{*hh} + minutes{mm};
    return sign == '-' ? -offset : offset;
}

bool read_meridiem(Cursor& in, TimeOfDay& time);

std::optional<Reading> parse_iso8601(std::string_view text) {
    Cursor in{text};
    const auto year = in.number(4, 4);
    if (!year) return std::nullopt;
    CalendarDate date{.year = *year, .month = 1, .day = 1};
    if (in.accept('-')) {
        const auto m = in.number(2, 2);
        if (!m) return std::nullopt;
        date.month = *m;
        if (in.accept('-')) {
            const auto d = in.number(2, 2);
            if (!d) return std::nullopt;
            date.day = *d;
        }
    }
    TimeOfDay time;
    std::optional<seconds> offset;
    if (in.accept('T') || in.accept('t') || in.accept(' ')) {
        in.skip_spaces();
        const std::optional<TimeOfDay> read = read_time(in, 2, true);
        if (!read) return std::nullopt;
        time = *read;
        in.skip_spaces();
        // "2023-12-16 02:02:33 PM": a CMS's database date on a 12-hour clock.
        if (!read_meridiem(in, time)) return std::nullopt;
        in.skip_spaces();
        if (!in.done()) {
            offset = numeric_offset(in);
            if (!offset) return std::nullopt;
        }
    }
    in.skip_spaces();
    if (!in.done()) return std::nullopt;
    return reading(date, time, offset);
}

struct MonthName {
    std::string_view name;
    int month;
};

// Whole words, as they are spelled, for the languages of the feeds we read: French, Spanish,
// Portuguese and German, and Arabic as written in the Maghreb, in Egypt and in the Levant.
// They are compared folded (see `folded`), so one spelling stands for its unaccented and
// hamza-less forms; the English names are matched by prefix in month_from_name.
constexpr auto kForeignMonths = std::to_array<MonthName>({
    {"janv", 1},       {"janvier", 1},   {"ene", 1},        {"enero", 1},     {"janeiro", 1},    {"januar", 1},
    {"févr", 2},       {"février", 2},   {"fév", 2},        {"fevereiro", 2}, {"febrero", 2},    {"mars", 3},
    {"marzo", 3},      {"março", 3},     {"märz", 3},       {"maerz", 3},     {"avr", 4},        {"avril", 4},
    {"abr", 4},        {"abril", 4},     {"mai", 5},        {"mayo", 5},      {"maio", 5},       {"juin", 6},
    {"junio", 6},      {"junho", 6},     {"juni", 6},       {"juil", 7},      {"juill", 7},      {"juillet", 7},
    {"julio", 7},      {"julho", 7},     {"juli", 7},       {"août", 8},      {"ago", 8},        {"agosto", 8},
    {"set", 9},        {"septembre", 9}, {"septiembre", 9}, {"setiembre", 9}, {"setembro", 9},   {"octobre", 10},
    {"octubre", 10},   {"out", 10},      {"outubro", 10},   {"okt", 10},      {"oktober", 10},   {"novembre", 11},
    {"noviembre", 11}, {"novembro", 11}, {"décembre", 12},  {"dic", 12},      {"diciembre", 12}, {"dez", 12},
    {"dezembro", 12},  {"dezember", 12}, {"يناير", 1},      {"جانفي", 1},     {"فبراير", 2},     {"فيفري", 2},
    {"شباط", 2},       {"مارس", 3},      {"آذار", 3},       {"أبريل", 4},     {"أفريل", 4},      {"نيسان", 4},
    {"ماي", 5},        {"مايو", 5},      {"أيار", 5},       {"يونيو", 6},     {"يونيه", 6},      {"جوان", 6},
    {"حزيران", 6},     {"يوليو", 7},     {"يوليوز", 7},     {"جويلية", 7},    {"تموز", 7},       {"أغسطس", 8},
    {"غشت", 8},        {"أوت", 8},       {"آب", 8},         {"سبتمبر", 9},    {"شتنبر", 9},      {"أيلول", 9},
    {"أكتوبر", 10},    {"نوفمبر", 11},   {"نونبر", 11},     {"ديسمبر", 12},   {"دجنبر", 12},
});

std::optional<int> month_from_folded(const std::string& word) {
    static constexpr std::array<std::string_view, 12> kMonths{"january",   "february", "march",    "april",
                                                              "may",       "june",     "july",     "august",
                                                              "september", "october",  "november", "december"};
    // RFC 822's weekdays come first in most dates; no month in any of our languages is spelled
    // like one, so they skip the long list below.
    static constexpr std::array<std::string_view, 7> kWeekdays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (word.size() >= 3 && std::all_of(word.begin(), word.end(), is_letter)) {
        // A prefix of the name, not a name that starts like one: "mardi" (Tuesday) is no March.
        for (std::size_t i = 0; i < kMonths.size(); ++i)
            if (kMonths[i].starts_with(word)) return static_cast<int>(i) + 1;
        for (const std::string_view weekday : kWeekdays)
            if (word.starts_with(weekday)) return std::nullopt;
    }
    static const std::vector<std::pair<std::string, int>> kFolded = [] {
        std::vector<std::pair<std::string, int>> names;
        names.reserve(kForeignMonths.size());
        for (const MonthName& month : kForeignMonths) names.emplace_back(folded(month.name), month.month);
        return names;
    }();
    for (const auto& [name, month] : kFolded)
        if (word == name) return month;
    return std::nullopt;
}

// The Levant's "كانون الثاني" (January) and its kin take two words.
std::optional<int> read_month(Cursor& in) {
    const std::string first = folded(in.word());
    const bool kanun = first == "كانون";
    const bool tishrin = first == "تشرين";
    if (!kanun && !tishrin) return month_from_folded(first);
    in.skip_spaces();
    const std::string second = folded(in.word());
    if (second == "الاول" || second == "اول") return kanun ? 12 : 10;
    if (second == "الثاني" || second == "ثاني") return kanun ? 1 : 11;
    return std::nullopt;
}

// Arabic-Indic (U+0660..) and Extended Arabic-Indic (U+06F0..) digits as ASCII ones.
std::string with_ascii_digits(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (i + 1 < text.size() && (lead == 0xD9 || lead == 0xDB)) {
            const auto trail = static_cast<unsigned char>(text[i + 1]);
            const unsigned first = lead == 0xD9 ? 0xA0 : 0xB0;
            if (trail >= first && trail <= first + 9) {
                out += static_cast<char>('0' + (trail - first));
                ++i;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::optional<seconds> named_zone(std::string_view name) {
    struct Zone {
        std::string_view name;
        int hours_east;
    };
    // RFC 822's names, and the North American and Central European ones feeds also use.
    static constexpr std::array<Zone, 20> kZones{{{"gmt", 0},  {"ut", 0},   {"utc", 0},  {"est", -5}, {"edt", -4},
                                                  {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6}, {"pst", -8},
                                                  {"pdt", -7}, {"ast", -4}, {"adt", -3}, {"at", -4},  {"et", -5},
                                                  {"ct", -6},  {"mt", -7},  {"pt", -8},  {"met", 1},  {"mest", 2}}};
    std::string lower = to_lower_ascii(name);
    if (lower.starts_with("etc/")) lower.erase(0, 4);
    for (const Zone& zone : kZones)
        if (lower == zone.name) return hours{zone.hours_east};
    if (lower.size() == 1) {
        // RFC 822's military letters, with the signs as RFC 822 printed them (A = -1 … M = -12,
        // N = +1 … Y = +12); RFC 1123 says those signs are backwards, but feeds follow 822.
        const char c = lower[0];
        if (c == 'z') return hours{0};
        if (c >= 'a' && c <= 'i') return hours{-(c - 'a' + 1)};
        if (c >= 'k' && c <= 'm') return hours{-(c - 'k' + 10)};
        if (c >= 'n' && c <= 'y') return hours{c - 'n' + 1};
    }
    return std::nullopt;
}

// A numeric offset, or a zone name that may carry one ("GMT+0200": the name is decoration,
// the number counts).
std::optional<seconds> read_zone(Cursor& in) {
    if (in.peek() == '+' || in.peek() == '-') return numeric_offset(in);
    std::optional<seconds> offset = named_zone(in.zone_name());
    if (offset && (in.peek() == '+' || in.peek() == '-')) {
        const std::optional<seconds> extra = numeric_offset(in);
        if (!extra) return std::nullopt;
        *offset += *extra;
    }
    return offset;
}

// A day of the month, with the ordinal suffix French ("1er", "1ᵉʳ") or English ("1st") may give it.
std::optional<int> read_day(Cursor& in) {
    // One or two digits and no more: "Décembre 2025" has no day 20 of the year 25 in it.
    if (in.digits_ahead() > 2) return std::nullopt;
    const std::optional<int> day = in.number(1, 2);
    if (!day) return std::nullopt;
    if (in.accept("\xE1\xB5\x89\xCA\xB3")) return day;  // U+1D49 U+02B3
    Cursor after = in;
    const std::string suffix = folded(after.word());
    if (suffix == "er" || suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") in = after;
    return day;
}

// Two digits (RFC 2822's obsolete years) or four, and then the letter م that Arabic sites may
// write after a year to say it is not a Hijri one.
std::optional<int> read_year(Cursor& in, bool two_digits_allowed) {
    const std::size_t digits = in.digits_ahead();
    if (digits != 4 && !(digits == 2 && two_digits_allowed)) return std::nullopt;
    int year = *in.number(digits, digits);
    if (digits == 2) year += year < 50 ? 2000 : 1900;  // RFC 2822 section 4.3
    Cursor after = in;
    after.skip_spaces();
    if (after.at_word() && after.word() == "\xD9\x85") in = after;  // U+0645
    return year;
}

// "29 Dec 2025", "5 دجنبر، 2025", "1er décembre 2025", "29-Dec-25", "3. Dez 2025", "Aug 30 2012",
// "December 1st, 2025", and in digits, day first as French and Arabic sites write them,
// "05/12/2025", "05.12.2025", "05-12-2025", or year first with slashes, "2025/12/05".
std::optional<CalendarDate> read_calendar_date(Cursor& in) {
    CalendarDate date;
    if (in.at_word()) {
        const std::optional<int> month = read_month(in);
        in.accept('.');
        in.skip_spaces();
        const std::optional<int> day = month ? read_day(in) : std::nullopt;
        if (!day) return std::nullopt;
        date.month = *month;
        date.day = *day;
    } else if (in.digits_ahead() == 4) {
        date.year = *in.number(4, 4);
        const std::optional<int> month = in.accept('/') ? in.number(1, 2) : std::nullopt;
        const std::optional<int> day = month && in.accept('/') ? in.number(1, 2) : std::nullopt;
        if (!day || in.digits_ahead() > 0) return std::nullopt;
        date.month = *month;
        date.day = *day;
        return date;
    } else {
        const std::optional<int> day = read_day(in);
        if (!day) return std::nullopt;
        date.day = *day;
        const char separator = in.peek();
        if (separator == '/' || separator == '.' || separator == '-') {
            Cursor numeric = in;
            numeric.accept(separator);
            if (numeric.digits_ahead() > 0) {
                const std::optional<int> month = numeric.number(1, 2);
                if (!month || !numeric.accept(separator) || numeric.digits_ahead() != 4) return std::nullopt;
                date.month = *month;
                // American CMSs write the month first ("12/16/2023 02:02 PM"). That shows only
                // when the first number cannot be a month; otherwise the day-first reading stands.
                if (date.month > 12 && date.day <= 12) std::swap(date.month, date.day);
                date.year = *numeric.number(4, 4);
                in = numeric;
                return date;
            }
        }
        in.accept('.');  // German "3. Dez"
        in.skip_spaces();
        in.accept('-');
        in.skip_spaces();
        const std::optional<int> month = read_month(in);
        if (!month) return std::nullopt;
        date.month = *month;
    }
    in.accept('.');
    in.accept_comma();
    in.skip_spaces();
    in.accept('-');
    in.skip_spaces();
    const std::optional<int> year = read_year(in, true);
    if (!year) return std::nullopt;
    date.year = *year;
    return date;
}

// What may stand between a date and its time: dashes, bars, commas, "à" and "at", and "الساعة"
// (the hour) with or without "على" (at) or "في" (in) before it.
void skip_connectors(Cursor& in) {
    while (true) {
        in.skip_spaces();
        if (in.accept('-') || in.accept('|') || in.accept('@') || in.accept_comma() || in.accept("\xE2\x80\x93") ||
            in.accept("\xE2\x80\x94"))
            continue;  // U+2013, U+2014
        if (!in.at_word()) return;
        Cursor after = in;
        const std::string word = folded(after.word());
        if (word != "a" && word != "at" && word != "الساعة" && word != "على" && word != "في") return;
        in = after;
    }
}

// "10:30", "9:05:12", and the French "10h30", "10 h 30", "10h".
std::optional<TimeOfDay> read_clock(Cursor& in) {
    const std::optional<int> hour = in.number(1, 2);
    if (!hour) return std::nullopt;
    TimeOfDay time{.hour = *hour, .minute = 0, .second = 0};
    if (in.accept(':')) {
        const std::optional<int> minute = in.number(2, 2);
        if (!minute) return std::nullopt;
        time.minute = *minute;
        if (in.accept(':')) {
            const std::optional<int> second = in.number(2, 2);
            if (!second) return std::nullopt;
            time.second = *second;
        }
        return time;
    }
    in.skip_spaces();
    if (!in.accept('h') && !in.accept('H')) return std::nullopt;
    Cursor after = in;
    after.skip_spaces();
    if (after.digits_ahead() == 2) {
        time.minute = *after.number(2, 2);
        in = after;
    }
    return time;
}

// A 12-hour clock's marker: ص or م (for صباحاً and مساءً, which are also written out), AM or PM.
// False when the hour cannot be one of a 12-hour clock; true, and nothing read, when the next
// word is no such marker.
bool read_meridiem(Cursor& in, TimeOfDay& time) {
    Cursor after = in;
    const std::string word = folded(after.word());
    const bool am = word == "am" || word == "\xD8\xB5" || word == "صباحا";
    const bool pm = word == "pm" || word == "\xD9\x85" || word == "مساء" || word == "مساءا";
    if (!am && !pm) return true;
    if (time.hour > 12 || (pm && time.hour == 0)) return false;
    in = after;
    if (time.hour == 12) time.hour = 0;
    if (pm) time.hour += 12;
    return true;
}

// From the date on: nothing more, or a time, an AM/PM marker and a zone.
std::optional<Reading> read_date_and_time(Cursor in) {
    const std::optional<CalendarDate> date = read_calendar_date(in);
    if (!date) return std::nullopt;
    in.skip_spaces();
    if (in.done()) return reading(*date, TimeOfDay{}, std::nullopt);
    skip_connectors(in);
    std::optional<TimeOfDay> time = read_clock(in);
    if (!time) return std::nullopt;
    in.skip_spaces();
    if (!read_meridiem(in, *time)) return std::nullopt;
    in.skip_spaces();
    std::optional<seconds> offset;
    if (!in.done() && in.peek() != '(') {
        offset = read_zone(in);
        if (!offset) return std::nullopt;
    }
    in.skip_spaces();
    // A comment after the zone: RFC 822 allows one, and JavaScript's Date.toString() writes the
    // zone's name so ("GMT+0100 (Central European Standard Time)").
    if (in.accept('(')) {
        while (!in.done() && in.peek() != ')') (void)in.accept(in.peek());
        if (!in.accept(')')) return std::nullopt;
        in.skip_spaces();
    }
    if (!in.done()) return std::nullopt;
    return reading(*date, *time, offset);
}

// Dates with words: RFC 822's, JavaScript's Date.toString(), and the way news sites write them.
std::optional<Reading> parse_written(std::string_view text) {
    Cursor in{text};
    in.skip_spaces();
    // A date that starts with its month ("Dec 29 2025") or its day. A first word that is a
    // month may still be a weekday: Spanish and French Tuesdays ("mar") look like March.
    if (std::optional<Reading> read = read_date_and_time(in)) return read;
    if (!in.at_word()) return std::nullopt;
    // A weekday, in whatever language, perhaps after "يوم" (the day of): the date decides.
    if (folded(in.word()) == "يوم") {
        in.skip_spaces();
        (void)in.word();
    }
    in.accept('.');
    in.skip_spaces();
    in.accept_comma();
    in.skip_spaces();
    return read_date_and_time(in);
}

// "Mon, 01 Dec 2025 08:30:00 +0100", "… GMT" or "… PST": the shape of the dates of nearly every
// RSS feed, read by position: one date per item made the general reader (words, languages,
// zones) a measurable part of reading a feed. Anything else, nullopt: the general reader
// decides. The fields go to make_time exactly as the general reader would pass them.
std::optional<std::optional<SysTime>> parse_common_rfc822(std::string_view t) {
    if (t.size() != 29 && t.size() != 31) return std::nullopt;
    const auto digit = [&](std::size_t i) { return is_digit(t[i]) ? t[i] - '0' : -1; };
    const auto two = [&](std::size_t i) {
        return digit(i) < 0 || digit(i + 1) < 0 ? -1 : digit(i) * 10 + digit(i + 1);
    };
    if (t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' || t[19] != ':' || t[22] != ':' ||
        t[25] != ' ')
        return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i)
        if (!std::isalpha(static_cast<unsigned char>(t[i]))) return std::nullopt;
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const std::size_t month_at = kMonths.find(t.substr(8, 3));
    if (month_at == std::string_view::npos || month_at % 3 != 0) return std::nullopt;
    const int day = two(5), year_high = two(12), year_low = two(14), hour = two(17), minute = two(20), second = two(23);
    if (day < 0 || year_high < 0 || year_low < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
    seconds offset{0};
    if (t.size() == 29) {
        const std::string_view zone = t.substr(26);
        if (!std::all_of(zone.begin(), zone.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
            return std::nullopt;
        const std::optional<seconds> named = named_zone(zone);
        if (!named) return std::nullopt;
        offset = *named;
    } else {
        const int zone_hours = two(27), zone_minutes = two(29);
        if ((t[26] != '+' && t[26] != '-') || zone_hours < 0 || zone_minutes < 0) return std::nullopt;
        if (zone_hours > 23 || zone_minutes > 59) return std::nullopt;
        offset = hours{zone_hours} + minutes{zone_minutes};
        if (t[26] == '-') offset = -offset;
    }
    return make_time(year_high * 100 + year_low, static_cast<int>(month_at / 3) + 1, day, hour, minute, second, offset);
}

// Every reading of a date goes through here; the public functions differ only in what they do
// with a date that names no zone.
std::optional<Reading> read_date(std::string_view raw) {
    raw = trim(raw);
    if (const std::optional<std::optional<SysTime>> common = parse_common_rfc822(raw)) {
        if (!*common) return std::nullopt;
        return Reading{**common, seconds{0}};
    }
    // Arabic-Indic digits start with 0xD9 or 0xDB; without either byte the text is used as it is.
    // (A loop: find_first_of calls memchr over the two bytes once for each byte of the date.)
    const bool arabic_digits = std::any_of(raw.begin(), raw.end(), [](char c) { return c == '\xD9' || c == '\xDB'; });
    const std::string ascii_digits = arabic_digits ? with_ascii_digits(raw) : std::string{};
    const std::string_view text = arabic_digits ? std::string_view{ascii_digits} : raw;
    if (text.empty()) return std::nullopt;
    // A Unix timestamp: seconds, or milliseconds as JavaScript writes them. Nine digits at least,
    // so that no year or yyyymmdd is read as one.
    if (text.size() >= 9 && text.size() <= 13 && std::all_of(text.begin(), text.end(), is_digit)) {
        long long value = 0;
        for (const char c : text) value = value * 10 + (c - '0');
        if (text.size() == 13) value /= 1000;
        return Reading{SysTime{seconds{value}}, seconds{0}};
    }
    // "2025/12/05" is no ISO 8601, but sites write it: the general reader takes it.
    if (text.size() >= 4 && is_digit(text[0]) && is_digit(text[1]) && is_digit(text[2]) && is_digit(text[3]) &&
        !text.substr(4).starts_with('/'))
        return parse_iso8601(text);
    return parse_written(text);
}

icu::UnicodeString unicode(std::string_view ascii) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(ascii.data(), static_cast<std::int32_t>(ascii.size())));
}

// The zone named `name`, or the default one. Kept per thread, for the last name asked: all of
// a feed's dates ask for the same, and building a zone reads its rules from ICU's data.
const icu::BasicTimeZone* zone_named(std::string_view name) {
    struct Cached {
        std::string name;
        std::unique_ptr<icu::TimeZone> zone;
    };
    thread_local Cached cached;
    if (cached.zone == nullptr || cached.name != name) {
        cached.zone.reset(icu::TimeZone::createTimeZone(unicode(is_known_timezone(name) ? name : kDefaultZone)));
        cached.name.assign(name);
    }
    // ICU's zones from its data are all BasicTimeZones; only those answer for a wall-clock time.
    return dynamic_cast<const icu::BasicTimeZone*>(cached.zone.get());
}

// A wall-clock time in a zone, to UTC. Where the offset changes, RFC 5545's rule (iCalendar,
// 3.3.5), so that a feed's "02:30" means what a calendar's would: a time that happens twice is
// the first one, and a time that the clocks skipped is read with the offset before the change.
std::optional<SysTime> wall_time_in(std::string_view timezone, SysTime wall) {
    const icu::BasicTimeZone* zone = zone_named(timezone);
    if (zone == nullptr) return std::nullopt;
    std::int32_t raw = 0;
    std::int32_t dst = 0;
    UErrorCode status = U_ZERO_ERROR;
    const auto wall_ms = static_cast<UDate>(wall.time_since_epoch().count()) * 1000.0;
    zone->getOffsetFromLocal(wall_ms, UCAL_TZ_LOCAL_FORMER, UCAL_TZ_LOCAL_FORMER, raw, dst, status);
    if (U_FAILURE(status)) return std::nullopt;
    return wall - std::chrono::duration_cast<seconds>(milliseconds{std::int64_t{raw} + dst});
}

}  // namespace

std::optional<SysTime> parse_date(std::string_view text) {
    const std::optional<Reading> read = read_date(text);
    if (!read) return std::nullopt;
    return read->wall - read->offset.value_or(seconds{0});
}

std::optional<SysTime> parse_date(std::string_view text, std::string_view timezone) {
    const std::optional<Reading> read = read_date(text);
    if (!read) return std::nullopt;
    if (read->offset) return read->wall - *read->offset;
    return wall_time_in(timezone, read->wall);
}

bool is_known_timezone(std::string_view name) {
    // IANA names are short and ASCII ("America/Argentina/ComodRivadavia" is among the longest);
    // anything else is refused before ICU sees it. ICU also takes custom ids such as
    // "GMT+01:00", which are no IANA names: the ':' keeps them out here, and ICU says they are
    // no system zone.
    if (name.empty() || name.size() > 64) return false;
    const bool plain = std::all_of(name.begin(), name.end(), [](char c) {
        return is_letter(c) || is_digit(c) || c == '/' || c == '_' || c == '-' || c == '+';
    });
    if (!plain) return false;
    icu::UnicodeString canonical;
    UBool system_zone = false;
    UErrorCode status = U_ZERO_ERROR;
    icu::TimeZone::getCanonicalID(unicode(name), canonical, system_zone, status);
    return U_SUCCESS(status) && system_zone;
}

}  // namespace tributary::parse

// Feed dates by hand: GCC 12 has no std::chrono::parse, and strptime depends on the locale.
// Two grammars, told apart by the first character: RFC 3339 / ISO 8601 starts with a
// four-digit year, RFC 822 / 1123 with a weekday or the day of the month.

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_word_byte(char c) noexcept { return is_letter(c) || static_cast<unsigned char>(c) >= 0x80; }

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
    void skip_spaces() noexcept {
        while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
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
    // Letters in any script: a run of bytes that are not ASCII digits, spaces or punctuation.
    std::string_view word() noexcept {
        const std::size_t start = pos_;
        while (!done() && is_word_byte(text_[pos_])) ++pos_;
        return text_.substr(start, pos_ - start);
    }
    bool at_word() const noexcept { return !done() && is_word_byte(text_[pos_]); }
    // The Arabic comma U+060C counts as the ASCII one.
    bool accept_comma() noexcept {
        if (accept(',')) return true;
        if (text_.substr(pos_).starts_with("\xD8\x8C")) {
            pos_ += 2;
            return true;
        }
        return false;
    }
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

std::optional<SysTime> parse_iso8601(std::string_view text) {
    Cursor in{text};
    const auto year = in.number(4, 4);
    if (!year) return std::nullopt;
    int month = 1;
    int day = 1;
    if (in.accept('-')) {
        const auto m = in.number(2, 2);
        if (!m) return std::nullopt;
        month = *m;
        if (in.accept('-')) {
            const auto d = in.number(2, 2);
            if (!d) return std::nullopt;
            day = *d;
        }
    }
    TimeOfDay time;
    seconds offset{0};
    if (in.accept('T') || in.accept('t') || in.accept(' ')) {
        in.skip_spaces();
        const std::optional<TimeOfDay> read = read_time(in, 2, true);
        if (!read) return std::nullopt;
        time = *read;
        in.skip_spaces();
        if (!in.done()) {
            const auto zone = numeric_offset(in);
            if (!zone) return std::nullopt;
            offset = *zone;
        }
    }
    in.skip_spaces();
    if (!in.done()) return std::nullopt;
    return make_time(*year, month, day, time.hour, time.minute, time.second, offset);
}

struct MonthName {
    std::string_view name;
    int month;
};

// Whole words, lower case, for the languages of the feeds we read: French, Spanish, Portuguese
// and German, and Arabic as written in the Maghreb, in Egypt and in the Levant.
constexpr auto kForeignMonths = std::to_array<MonthName>({
    {"janv", 1},       {"janvier", 1},   {"ene", 1},       {"enero", 1},     {"janeiro", 1},    {"januar", 1},
    {"févr", 2},       {"février", 2},   {"fevrier", 2},   {"fev", 2},       {"fevereiro", 2},  {"febrero", 2},
    {"februar", 2},    {"mars", 3},      {"marzo", 3},     {"março", 3},     {"marco", 3},      {"mär", 3},
    {"märz", 3},       {"maerz", 3},     {"avr", 4},       {"avril", 4},     {"abr", 4},        {"abril", 4},
    {"mai", 5},        {"mayo", 5},      {"maio", 5},      {"juin", 6},      {"junio", 6},      {"junho", 6},
    {"juni", 6},       {"juil", 7},      {"juillet", 7},   {"julio", 7},     {"julho", 7},      {"juli", 7},
    {"août", 8},       {"aout", 8},      {"ago", 8},       {"agosto", 8},    {"set", 9},        {"septembre", 9},
    {"septiembre", 9}, {"setiembre", 9}, {"setembro", 9},  {"octobre", 10},  {"octubre", 10},   {"out", 10},
    {"outubro", 10},   {"okt", 10},      {"oktober", 10},  {"novembre", 11}, {"noviembre", 11}, {"novembro", 11},
    {"déc", 12},       {"décembre", 12}, {"decembre", 12}, {"dic", 12},      {"diciembre", 12}, {"dez", 12},
    {"dezembro", 12},  {"dezember", 12}, {"يناير", 1},     {"جانفي", 1},     {"فبراير", 2},     {"فيفري", 2},
    {"شباط", 2},       {"مارس", 3},      {"آذار", 3},      {"أبريل", 4},     {"إبريل", 4},      {"ابريل", 4},
    {"أفريل", 4},      {"افريل", 4},     {"نيسان", 4},     {"ماي", 5},       {"مايو", 5},       {"أيار", 5},
    {"يونيو", 6},      {"يونيه", 6},     {"جوان", 6},      {"حزيران", 6},    {"يوليو", 7},      {"يوليوز", 7},
    {"جويلية", 7},     {"تموز", 7},      {"أغسطس", 8},     {"اغسطس", 8},     {"غشت", 8},        {"أوت", 8},
    {"اوت", 8},        {"آب", 8},        {"سبتمبر", 9},    {"شتنبر", 9},     {"أيلول", 9},      {"أكتوبر", 10},
    {"اكتوبر", 10},    {"نوفمبر", 11},   {"نونبر", 11},    {"ديسمبر", 12},   {"دجنبر", 12},
});

std::optional<int> month_from_name(std::string_view name) {
    static constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                              "jul", "aug", "sep", "oct", "nov", "dec"};
    // RFC 822's weekdays come first in most dates; no month in any of our languages is spelled
    // like one, so they skip the long list below.
    static constexpr std::array<std::string_view, 7> kWeekdays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const std::string lower = to_lower_ascii(name);
    if (lower.size() >= 3 && std::all_of(lower.begin(), lower.end(), is_letter)) {
        for (std::size_t i = 0; i < kMonths.size(); ++i)
            if (lower.starts_with(kMonths[i])) return static_cast<int>(i) + 1;
        for (const std::string_view weekday : kWeekdays)
            if (lower.starts_with(weekday)) return std::nullopt;
    }
    for (const MonthName& month : kForeignMonths)
        if (lower == month.name) return month.month;
    return std::nullopt;
}

// The Levant's "كانون الثاني" (January) and its kin take two words.
std::optional<int> read_month(Cursor& in) {
    const std::string_view first = in.word();
    const bool kanun = first == "كانون";
    const bool tishrin = first == "تشرين";
    if (!kanun && !tishrin) return month_from_name(first);
    in.skip_spaces();
    const std::string_view second = in.word();
    if (second == "الأول" || second == "الاول") return kanun ? 12 : 10;
    if (second == "الثاني") return kanun ? 1 : 11;
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

std::optional<SysTime> parse_rfc822(std::string_view text) {
    Cursor in{text};
    // A weekday, in whatever language: the date itself decides. Then either "29 Dec" or
    // "Dec 29" (as JavaScript's Date.toString() writes it).
    std::optional<int> day;
    std::optional<int> month;
    const auto month_first = [&] {
        Cursor lookahead = in;
        const std::optional<int> m = read_month(lookahead);
        lookahead.skip_spaces();
        const std::optional<int> d = m ? lookahead.number(1, 2) : std::nullopt;
        if (!m || !d) return false;  // Spanish and French Tuesdays ("Mar,") look like March
        month = m;
        day = d;
        in = lookahead;
        return true;
    };
    if (in.at_word() && !month_first()) {
        (void)in.word();
        in.accept('.');
        in.skip_spaces();
        in.accept_comma();
        in.skip_spaces();
        if (in.at_word()) (void)month_first();
    }
    if (!month) {
        day = in.number(1, 2);
        in.accept('.');  // German "3. Dez"
        in.skip_spaces();
        in.accept('-');
        month = read_month(in);
    }
    if (!day || !month) return std::nullopt;
    in.accept('.');
    in.accept_comma();
    in.skip_spaces();
    in.accept('-');
    const std::size_t year_digits = in.digits_ahead();
    if (year_digits != 2 && year_digits != 4) return std::nullopt;
    int year = *in.number(year_digits, year_digits);
    if (year_digits == 2) year += year < 50 ? 2000 : 1900;  // RFC 2822 section 4.3
    in.skip_spaces();
    TimeOfDay time;
    if (!in.done()) {
        const std::optional<TimeOfDay> read = read_time(in, 1, false);  // "9:05" occurs
        if (!read) return std::nullopt;
        time = *read;
    }
    in.skip_spaces();
    seconds offset{0};
    if (!in.done()) {
        if (in.peek() == '+' || in.peek() == '-') {
            const auto zone = numeric_offset(in);
            if (!zone) return std::nullopt;
            offset = *zone;
        } else {
            const std::string_view name = in.zone_name();
            const auto zone = named_zone(name);
            if (!zone) return std::nullopt;
            offset = *zone;
            // "GMT+0200": the name is decoration, the number counts.
            if (in.peek() == '+' || in.peek() == '-') {
                const auto extra = numeric_offset(in);
                if (!extra) return std::nullopt;
                offset += *extra;
            }
        }
    }
    in.skip_spaces();
    if (!in.done()) return std::nullopt;
    return make_time(year, *month, *day, time.hour, time.minute, time.second, offset);
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

}  // namespace

std::optional<SysTime> parse_date(std::string_view raw) {
    raw = trim(raw);
    if (const std::optional<std::optional<SysTime>> common = parse_common_rfc822(raw)) return *common;
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
        return SysTime{seconds{value}};
    }
    if (text.size() >= 4 && is_digit(text[0]) && is_digit(text[1]) && is_digit(text[2]) && is_digit(text[3]))
        return parse_iso8601(text);
    return parse_rfc822(text);
}

}  // namespace tributary::parse

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

using Json = nlohmann::ordered_json;

Json time_or_null(const std::optional<SysTime>& time) { return time ? Json(format_rfc3339(*time)) : Json(nullptr); }

Json item_json(const ParsedItem& item) {
    Json enclosures = Json::array();
    for (const Enclosure& enclosure : item.enclosures)
        enclosures.push_back({{"url", enclosure.url},
                              {"type", enclosure.type},
                              {"length", enclosure.length ? Json(*enclosure.length) : Json(nullptr)}});
    return Json{{"id", item.id},
                {"title", item.title},
                {"link", item.link},
                {"published", time_or_null(item.published)},
                {"updated", time_or_null(item.updated)},
                {"author", item.author},
                {"summary", item.summary},
                {"content", item.content},
                {"categories", item.categories},
                {"enclosures", std::move(enclosures)},
                {"comments", item.comments},
                {"language", item.language}};
}

Json skip_hours(std::uint32_t bits) {
    Json hours = Json::array();
    for (int hour = 0; hour < 24; ++hour)
        if ((bits >> hour) & 1u) hours.push_back(hour);
    return hours;
}

Json skip_days(std::uint8_t bits) {
    static constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};
    Json days = Json::array();
    for (int day = 0; day < 7; ++day)
        if ((bits >> day) & 1u) days.push_back(kDays[day]);
    return days;
}

}  // namespace

std::string to_json(const ParsedFeed& feed) {
    Json items = Json::array();
    for (const ParsedItem& item : feed.items) items.push_back(item_json(item));
    const Json document{
        {"format", to_string(feed.format)},
        {"version", feed.version},
        {"title", feed.title},
        {"link", feed.link},
        {"subtitle", feed.subtitle},
        {"language", feed.language},
        {"image", feed.image},
        {"ttl_minutes",
         feed.ttl ? Json(std::chrono::duration_cast<std::chrono::minutes>(*feed.ttl).count()) : Json(nullptr)},
        {"update_period_seconds", feed.update_period ? Json(feed.update_period->count()) : Json(nullptr)},
        {"skip_hours", skip_hours(feed.skip_hours)},
        {"skip_days", skip_days(feed.skip_days)},
        {"encoding",
         {{"declared", feed.encoding.declared}, {"used", feed.encoding.used}, {"source", feed.encoding.source}}},
        {"warnings", feed.warnings},
        {"items", std::move(items)}};
    // Strings are valid UTF-8 by construction; replacing keeps a stray byte from throwing.
    return document.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace tributary::parse

// JSON Feed 1.1 with nlohmann::json. Every string goes through xml_safe_utf8 first: nlohmann
// throws on ill-formed UTF-8, and a control character is as unwelcome in a reader's JSON as in XML.

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "publish/render.hpp"

namespace tributary::publish {
namespace {

using nlohmann::json;

std::string safe(std::string_view text) { return xml_safe_utf8(text); }

void put_url(json& object, const char* key, std::string_view url) {
    if (is_publishable_url(url)) object[key] = safe(url);
}

json entry(const MergedItem& item, const OutputSpec& output, std::string_view base) {
    json out = json::object();
    out["id"] = safe(item.guid);
    put_url(out, "url", item.link);
    out["title"] = safe(item.title);
    // One of content_html and content_text is required.
    if (std::string html = entry_html(item, output, base); !html.empty())
        out["content_html"] = safe(html);
    else
        out["content_text"] = "";
    const std::string date = format_rfc3339(shown_date(item));
    out["date_published"] = date;
    out["date_modified"] = date;
    if (!item.author.empty()) out["authors"] = json::array({json{{"name", safe(item.author)}}});
    json tags = json::array();
    for (const std::string& category : item.categories)
        if (!category.empty()) tags.push_back(safe(category));
    if (!tags.empty()) out["tags"] = std::move(tags);
    if (is_language_tag(item.language)) out["language"] = item.language;
    json attachments = json::array();
    for (const Enclosure& e : item.enclosures) {
        if (!is_publishable_url(e.url)) continue;
        json a{{"url", safe(e.url)},
               {"mime_type",
                e.type.empty() || e.type.size() > 127 ? std::string("application/octet-stream") : safe(e.type)}};
        if (e.length.value_or(0) > 0) a["size_in_bytes"] = *e.length;
        attachments.push_back(std::move(a));
    }
    if (!attachments.empty()) out["attachments"] = std::move(attachments);
    // Extensions start with an underscore (JSON Feed 1.1, "Extensions").
    json source{{"name", safe(item.source_title.empty() ? item.feed_name : item.source_title)}};
    put_url(source, "feed_url", item.source_url);
    put_url(source, "home_page_url", item.source_link);
    json ours{{"source", std::move(source)}};
    json others = json::array();
    for (const OtherSource& other : item.also_reported_by) {
        json o{{"name", safe(other.feed_title.empty() ? other.feed_name : other.feed_title)}};
        put_url(o, "url", other.item_link);
        put_url(o, "home_page_url", other.feed_link);
        others.push_back(std::move(o));
    }
    if (!others.empty()) ours["also_reported_by"] = std::move(others);
    out["_tributary"] = std::move(ours);
    return out;
}

}  // namespace

std::string render_json_feed(const OutputSpec& output, std::span<const MergedItem> items, const FeedLinks& links) {
    json feed = json::object();
    feed["version"] = "https://jsonfeed.org/version/1.1";
    feed["title"] = safe(output.title);
    const std::string_view site = is_publishable_url(output.link)  ? std::string_view(output.link)
                                  : is_publishable_url(links.site) ? std::string_view(links.site)
                                                                   : std::string_view{};
    put_url(feed, "home_page_url", site);
    put_url(feed, "feed_url", links.self);
    if (is_publishable_url(links.hub)) feed["hubs"] = json::array({json{{"type", "WebSub"}, {"url", safe(links.hub)}}});
    if (!output.description.empty()) feed["description"] = safe(output.description);
    if (is_language_tag(output.language)) feed["language"] = output.language;
    feed["authors"] = json::array({json{{"name", safe(output.title)}}});
    const std::string_view base = !site.empty() ? site : std::string_view(links.self);
    json list = json::array();
    for (const MergedItem& item : items) list.push_back(entry(item, output, base));
    feed["items"] = std::move(list);
    std::string out = feed.dump(2, ' ', false, json::error_handler_t::replace);
    out += '\n';
    return out;
}

}  // namespace tributary::publish

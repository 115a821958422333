#include "store/merged_feed.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/text.hpp"
#include "core/url_safety.hpp"

namespace tributary::store::detail {
namespace {

enum Query : std::size_t { story_entries, url_entries, item_entries, story_items, item_content, query_count };

// Each entry statement returns: story id, story guid, the entry's anchor item (NULL for a story:
// all its items are candidates) and that item's canonical URL. Each walks its first_seen index
// newest first (never sorting the whole table), so `LIMIT ?1` ends the walk; CROSS JOIN keeps
// SQLite from choosing another outer loop.
constexpr std::array<MergedQuery, query_count> kQueries{{
    {"story entries", "SELECT id, guid, NULL, '' FROM stories ORDER BY first_seen DESC, id DESC LIMIT ?1"},
    // One entry per (story, canonical URL), at its earliest item: an item is skipped when its
    // story holds an earlier one with its URL, a lookup among that story's items (or that URL's:
    // the `j.canonical_url <> ''` term lets SQLite use the partial items_by_canonical_url too).
    // An item without a URL is an entry of its own.
    {"url entries",
     "SELECT s.id, s.guid, i.id, i.canonical_url FROM items AS i CROSS JOIN stories AS s ON s.id = i.story_id "
     "WHERE i.canonical_url = '' OR NOT EXISTS (SELECT 1 FROM items AS j WHERE j.canonical_url = i.canonical_url "
     "AND j.canonical_url <> '' AND j.story_id = i.story_id "
     "AND (j.first_seen < i.first_seen OR (j.first_seen = i.first_seen AND j.id < i.id))) "
     "ORDER BY i.first_seen DESC, i.id DESC LIMIT ?1"},
    {"item entries",
     "SELECT s.id, s.guid, i.id, i.canonical_url FROM items AS i CROSS JOIN stories AS s ON s.id = i.story_id "
     "ORDER BY i.first_seen DESC, i.id DESC LIMIT ?1"},
    // What choosing the representative and the other sources needs, for one story: its items in
    // the order they were first seen (the sort is of one story's items only).
    {"story items",
     "SELECT i.id, i.feed_id, i.item_key, i.canonical_url, i.link, f.priority, f.name, "
     "CASE WHEN f.title <> '' THEN f.title ELSE f.name END, f.site_link, f.url "
     "FROM items AS i JOIN feeds AS f ON f.id = i.feed_id WHERE i.story_id = ?1 ORDER BY i.first_seen, i.id"},
    {"item content",
     "SELECT i.title, i.link, CASE WHEN i.summary <> '' THEN i.summary ELSE i.content END, i.author, i.categories, "
     "i.published, i.updated, i.first_seen, f.name, CASE WHEN f.title <> '' THEN f.title ELSE f.name END, f.url, "
     "f.site_link, CASE WHEN i.summary <> '' THEN i.content ELSE '' END, "
     "CASE WHEN i.language <> '' THEN i.language ELSE f.language END, i.enclosures "
     "FROM items AS i JOIN feeds AS f ON f.id = i.feed_id WHERE i.id = ?1"},
}};

std::string entry_guid(std::string_view prefix, std::initializer_list<std::string_view> parts) {
    std::string seed;
    for (const std::string_view part : parts) {
        if (!seed.empty()) seed += '\n';
        seed.append(part);
    }
    return std::string(prefix) + hex64(fnv1a64(seed));
}

// items.categories: a JSON array of strings (see schema/0001_init.sql).
std::vector<std::string> categories_from_json(const std::string& text) {
    std::vector<std::string> out;
    const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_array()) return out;
    for (const auto& value : json)
        if (value.is_string()) out.push_back(value.get<std::string>());
    return out;
}

// items.enclosures (see schema/0006_item_details.sql); what is not an object with a string URL is
// left out, and publishing checks the URLs again.
std::vector<Enclosure> enclosures_from_json(const std::string& text) {
    std::vector<Enclosure> out;
    const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_array()) return out;
    for (const auto& value : json) {
        if (!value.is_object() || !value.contains("url") || !value["url"].is_string()) continue;
        Enclosure e;
        e.url = value["url"].get<std::string>();
        if (value.contains("type") && value["type"].is_string()) e.type = value["type"].get<std::string>();
        if (value.contains("length") && value["length"].is_number_integer())
            e.length = value["length"].get<std::int64_t>();
        out.push_back(std::move(e));
    }
    return out;
}

// One item of a story, as "story items" reads it.
struct StoryItem {
    std::int64_t id = 0;
    std::int64_t feed_id = 0;
    std::string item_key;
    std::string canonical_url;
    std::string link;
    std::int64_t priority = 0;
    std::string feed_name;
    std::string feed_title;
    std::string site_link;
    std::string feed_url;
};

struct Entry {
    std::int64_t story_id = 0;
    std::string story_guid;
    std::optional<std::int64_t> anchor;  // the entry's first item (url, item); none for a story
    std::string canonical_url;
};

// Whether `item` belongs to `entry` (its candidates for representative).
bool member(const Entry& entry, OutputSpec::Dedup mode, const StoryItem& item) {
    switch (mode) {
        case OutputSpec::Dedup::story: return true;
        case OutputSpec::Dedup::url:
            if (!entry.canonical_url.empty()) return item.canonical_url == entry.canonical_url;
            return entry.anchor == item.id;
        case OutputSpec::Dedup::item: return entry.anchor == item.id;
    }
    return false;
}

// The highest priority wins; `items` are in first-seen order, so the first of equals is the earliest.
const StoryItem* representative(const Entry& entry, OutputSpec::Dedup mode, const std::vector<StoryItem>& items) {
    const StoryItem* best = nullptr;
    for (const StoryItem& item : items)
        if (member(entry, mode, item) && (!best || item.priority > best->priority)) best = &item;
    return best;
}

// The story's other feeds, each through its earliest item, in first-seen order.
std::vector<OtherSource> other_sources(const std::vector<StoryItem>& items, std::int64_t shown_feed) {
    std::vector<OtherSource> out;
    std::vector<std::int64_t> feeds{shown_feed};
    for (const StoryItem& item : items) {
        if (std::find(feeds.begin(), feeds.end(), item.feed_id) != feeds.end()) continue;
        feeds.push_back(item.feed_id);
        out.push_back(OtherSource{.feed_name = item.feed_name,
                                  .feed_title = item.feed_title,
                                  .feed_link = is_publishable_url(item.site_link) ? item.site_link : item.feed_url,
                                  .item_link = item.link});
    }
    return out;
}

std::string guid_of(const Entry& entry, OutputSpec::Dedup mode, const StoryItem& shown) {
    switch (mode) {
        case OutputSpec::Dedup::story: return entry.story_guid;
        case OutputSpec::Dedup::url:
            if (!entry.canonical_url.empty()) return url_entry_guid(entry.story_guid, entry.canonical_url);
            return url_entry_guid(entry.story_guid, shown.feed_name, shown.item_key);
        case OutputSpec::Dedup::item: return item_entry_guid(shown.feed_name, shown.item_key);
    }
    return entry.story_guid;
}

Query entries_query(OutputSpec::Dedup mode) {
    switch (mode) {
        case OutputSpec::Dedup::story: return story_entries;
        case OutputSpec::Dedup::url: return url_entries;
        case OutputSpec::Dedup::item: return item_entries;
    }
    return story_entries;
}

}  // namespace

std::string item_entry_guid(std::string_view feed_name, std::string_view item_key) {
    return entry_guid("urn:tributary:item:", {feed_name, item_key});
}

std::string url_entry_guid(std::string_view story_guid, std::string_view canonical_url) {
    return entry_guid("urn:tributary:url:", {story_guid, canonical_url});
}

std::string url_entry_guid(std::string_view story_guid, std::string_view feed_name, std::string_view item_key) {
    return entry_guid("urn:tributary:url:", {story_guid, feed_name, item_key});
}

std::span<const MergedQuery> merged_feed_queries() noexcept { return kQueries; }

Result<MergedFeedReader> MergedFeedReader::prepare(Db& db) {
    std::vector<Statement> statements;
    statements.reserve(kQueries.size());
    for (const MergedQuery& q : kQueries) {
        auto stmt = Statement::prepare(db, q.sql, "read merged items");
        if (!stmt) return std::unexpected(stmt.error());
        statements.push_back(std::move(*stmt));
    }
    return MergedFeedReader{std::move(statements)};
}

Result<std::vector<MergedItem>> MergedFeedReader::read(std::size_t limit, OutputSpec::Dedup mode,
                                                       std::optional<std::span<const std::string>> feeds) {
    if (limit == 0) return std::vector<MergedItem>{};
    Statement& entries = statements_[entries_query(mode)];
    Statement& items_of = statements_[story_items];
    Statement& content = statements_[item_content];

    // `entries` stays active until every entry is read: SQLite ends an implicit read transaction
    // only when its last statement does, so the whole read sees one snapshot of the database.
    auto use_entries = entries.use();
    constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    // With a feed selection the walk goes on (newest first, one step at a time) until `limit`
    // entries carried by those feeds are found: an output of a feed that publishes once a week
    // still shows its last items, however many others came since.
    entries.bind(1, static_cast<std::int64_t>(feeds ? max : std::min(limit, max)));
    const auto selected = [&feeds](const StoryItem& item) {
        return std::binary_search(feeds->begin(), feeds->end(), item.feed_name, std::less<>{});
    };
    std::vector<MergedItem> out;
    std::vector<StoryItem> items;
    for (;;) {
        auto row = entries.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Entry entry{.story_id = entries.column_int64(0),
                    .story_guid = entries.column_text(1),
                    .anchor = entries.is_null(2) ? std::nullopt : std::optional{entries.column_int64(2)},
                    .canonical_url = entries.column_text(3)};

        items.clear();
        {
            auto use = items_of.use();
            items_of.bind(1, entry.story_id);
            for (;;) {
                auto item_row = items_of.step();
                if (!item_row) return std::unexpected(item_row.error());
                if (!*item_row) break;
                items.push_back(StoryItem{.id = items_of.column_int64(0),
                                          .feed_id = items_of.column_int64(1),
                                          .item_key = items_of.column_text(2),
                                          .canonical_url = items_of.column_text(3),
                                          .link = items_of.column_text(4),
                                          .priority = items_of.column_int64(5),
                                          .feed_name = items_of.column_text(6),
                                          .feed_title = items_of.column_text(7),
                                          .site_link = items_of.column_text(8),
                                          .feed_url = items_of.column_text(9)});
            }
        }
        // Another feed's copy is neither shown nor named in an output that does not carry it.
        if (feeds) std::erase_if(items, [&selected](const StoryItem& item) { return !selected(item); });
        const StoryItem* shown = representative(entry, mode, items);
        if (!shown) continue;  // a story without items (retention removes it), or none selected

        auto use = content.use();
        auto found = content.bind(1, shown->id).step();
        if (!found) return std::unexpected(found.error());
        if (!*found) continue;
        MergedItem item;
        item.guid = guid_of(entry, mode, *shown);
        item.title = content.column_text(0);
        item.link = content.column_text(1);
        item.description = content.column_text(2);
        item.author = content.column_text(3);
        item.categories = categories_from_json(content.column_text(4));
        item.published = content.column_time(5);
        item.updated = content.column_time(6);
        item.first_seen = content.column_time(7).value_or(SysTime{});
        item.feed_name = content.column_text(8);
        item.source_title = content.column_text(9);
        item.source_url = content.column_text(10);
        item.source_link = content.column_text(11);
        item.content = content.column_text(12);
        item.language = content.column_text(13);
        item.enclosures = enclosures_from_json(content.column_text(14));
        item.also_reported_by = other_sources(items, shown->feed_id);
        out.push_back(std::move(item));
        if (out.size() >= limit) break;
    }
    return out;
}

}  // namespace tributary::store::detail

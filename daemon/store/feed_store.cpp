#include "store/feed_store.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/text.hpp"
#include "store/instance_lock.hpp"
#include "store/merged_feed.hpp"
#include "store/migrations.hpp"
#include "store/postgresql.hpp"
#include "store/sqlite.hpp"

namespace tributary::store {
namespace {

constexpr std::chrono::milliseconds kBusyTimeout{5000};

// Every statement FeedStore runs, prepared once per connection.
enum class Sql : std::size_t {
    find_feed,
    deactivate_feeds,
    upsert_feed,
    active_feed_states,
    feed_state,
    save_feed_state,
    save_feed_meta,
    update_item,
    sync_story,
    story_by_url,
    stories_by_urls,
    find_items,
    touch_items,
    recent_stories,
    insert_story,
    next_item_id,
    insert_item,
    indexed_stories,
    representative_text,
    save_story_features,
    stories_after,
    latest_story,
    story_has_feed,
    move_item,
    prune_items,
    repoint_stories,
    prune_stories,
    count_feed_items,
    feed_name,
    count_,
};

struct SqlText {
    Sql id;
    const char* what;
    const char* sql;
    // PostgreSQL's words where SQLite's mean something else there or nothing (Statement translates
    // parameters and CROSS JOIN itself); nullptr: `sql`.
    const char* postgresql = nullptr;
};

#define TRIBUTARY_FEED_STATE_COLUMNS                                                                    \
    "name, url, etag, last_modified, last_fetch, last_success, last_outcome, http_status, last_error, " \
    "consecutive_failures, next_due, schedule_reason, "                                                 \
    "(SELECT count(*) FROM items WHERE items.feed_id = feeds.id), "                                     \
    "moved_to, moved_count, gone, encoding_declared, encoding_used, publish_interval, feed_ttl, "       \
    "skip_hours, skip_days, fresh_until"

constexpr std::array<SqlText, static_cast<std::size_t>(Sql::count_)> kSql{{
    {Sql::find_feed, "find feed", "SELECT id FROM feeds WHERE name = ?1"},
    // A start-up writes only the feeds whose row the config changes: rewriting ten thousand
    // unchanged rows (twice: off, then on again) was a tenth of a cycle in which all answer 304.
    {Sql::deactivate_feeds, "deactivate feeds",
     "UPDATE feeds SET active = 0 WHERE active = 1 AND name NOT IN (SELECT value FROM json_each(?1))",
     "UPDATE feeds SET active = 0 WHERE active = 1 AND name NOT IN (SELECT json_array_elements_text(?1::json))"},
    {Sql::upsert_feed, "save feed",
     "INSERT INTO feeds (name, url, active, created, priority) VALUES (?1, ?2, ?3, ?4, ?5) "
     "ON CONFLICT (name) DO UPDATE SET url = excluded.url, active = excluded.active, priority = excluded.priority "
     "WHERE url IS NOT excluded.url OR active IS NOT excluded.active OR priority IS NOT excluded.priority",
     // PostgreSQL syncs every feed in one statement (Impl::sync_all_feeds): never run there.
     "SELECT ?1, ?2, ?3, ?4, ?5"},
    {Sql::active_feed_states, "read feed states",
     "SELECT " TRIBUTARY_FEED_STATE_COLUMNS " FROM feeds WHERE active = 1 ORDER BY name"},
    {Sql::feed_state, "read feed state", "SELECT " TRIBUTARY_FEED_STATE_COLUMNS " FROM feeds WHERE name = ?1"},
    {Sql::save_feed_state, "save feed state",
     "UPDATE feeds SET etag = ?2, last_modified = ?3, last_fetch = ?4, last_success = ?5, last_outcome = ?6, "
     "http_status = ?7, last_error = ?8, consecutive_failures = ?9, next_due = ?10, schedule_reason = ?11, "
     "moved_to = ?12, moved_count = ?13, gone = ?14, encoding_declared = ?15, encoding_used = ?16, "
     "publish_interval = ?17, feed_ttl = ?18, skip_hours = ?19, skip_days = ?20, fresh_until = ?21 "
     "WHERE name = ?1 RETURNING id"},
    {Sql::save_feed_meta, "save feed title",
     "UPDATE feeds SET title = CASE WHEN ?2 <> '' THEN ?2 ELSE title END, "
     "site_link = CASE WHEN ?3 <> '' THEN ?3 ELSE site_link END, "
     "language = CASE WHEN ?4 <> '' THEN ?4 ELSE language END WHERE id = ?1"},
    {Sql::update_item, "update item",
     "UPDATE items SET canonical_url = ?2, fingerprint = ?3, content_hash = ?4, guid = ?5, title = ?6, link = ?7, "
     "author = ?8, summary = ?9, content = ?10, categories = ?11, published = ?12, updated = ?13, last_seen = ?14, "
     "language = ?15, enclosures = ?16 WHERE id = ?1"},
    {Sql::sync_story, "update story",
     "UPDATE stories SET canonical_url = ?3, fingerprint = ?4, published = ?5, features = ?6 "
     "WHERE id = ?1 AND first_item_id = ?2 RETURNING first_seen",
     // A new revision: the other daemons sharing the database learn the story's new text.
     "UPDATE stories SET canonical_url = ?3, fingerprint = ?4, published = ?5, features = ?6, "
     "revision = nextval('story_revisions') WHERE id = ?1 AND first_item_id = ?2 RETURNING first_seen, revision"},
    {Sql::story_by_url, "find story by URL",
     "SELECT story_id FROM items WHERE canonical_url = ?1 AND canonical_url <> '' AND id <> ?2 "
     "ORDER BY story_id LIMIT 1",
     // Without statistics (a table just filled, before autovacuum analysed it) PostgreSQL walked
     // items_by_story in story_id order, filtering every row: 13 ms a call in the bench's steady
     // cycle. "+ 0" leaves it one plan: the URL's index, then the few rows sorted.
     "SELECT story_id FROM items WHERE canonical_url = ?1 AND canonical_url <> '' AND id <> ?2 "
     "ORDER BY story_id + 0 LIMIT 1"},
    // One statement per document for what story_by_url asks per item: on PostgreSQL each statement
    // is a round trip, and a cold 1,000-feed cycle asked 27,950 of them (761 found a story). 0: none.
    {Sql::stories_by_urls, "find stories by URL",
     "SELECT j.value, coalesce((SELECT story_id FROM items WHERE canonical_url = j.value AND canonical_url <> '' "
     "ORDER BY story_id LIMIT 1), 0) FROM json_each(?1) AS j",
     // Each URL looked up on its index, as story_by_url does (a join grouped by URL was planned
     // as a scan of every item, per document).
     "SELECT u, coalesce(s.story_id, 0) FROM json_array_elements_text(?1::json) AS u LEFT JOIN LATERAL "
     "(SELECT story_id FROM items WHERE canonical_url = u AND canonical_url <> '' ORDER BY story_id + 0 LIMIT 1) "
     "AS s ON true"},
    // A document's items the feed has stored, and those it still lists unchanged: a statement per
    // document, not per item (a round trip each on PostgreSQL). ARRAY(…) keeps PostgreSQL on the
    // (feed_id, item_key) and primary-key indexes.
    {Sql::find_items, "find items",
     "SELECT item_key, id, content_hash, story_id FROM items WHERE feed_id = ?1 AND item_key IN "
     "(SELECT value FROM json_each(?2))",
     "SELECT item_key, id, content_hash, story_id FROM items WHERE feed_id = ?1 AND item_key = "
     "ANY(ARRAY(SELECT json_array_elements_text(?2::json)))"},
    {Sql::touch_items, "update items", "UPDATE items SET last_seen = ?2 WHERE id IN (SELECT value FROM json_each(?1))",
     "UPDATE items SET last_seen = ?2 WHERE id = ANY(ARRAY(SELECT json_array_elements_text(?1::json)::bigint))"},
    {Sql::recent_stories, "read recent stories",
     "SELECT id, canonical_url, fingerprint, coalesce(published, first_seen) FROM stories "
     "WHERE coalesce(published, first_seen) BETWEEN ?1 AND ?2 ORDER BY id"},
    {Sql::insert_story, "insert story",
     "INSERT INTO stories (guid, canonical_url, fingerprint, published, first_seen, features, first_item_id) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
     "INSERT INTO stories (guid, canonical_url, fingerprint, published, first_seen, features, first_item_id) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"},
    // The id SQLite gives the next row of items (one more than the largest: no AUTOINCREMENT).
    {Sql::next_item_id, "insert story", "SELECT coalesce(max(id), 0) + 1 FROM items"},
    {Sql::insert_item, "insert item",
     "INSERT INTO items (feed_id, canonical_url, fingerprint, content_hash, guid, title, link, author, summary, "
     "content, categories, published, updated, first_seen, last_seen, language, enclosures, item_key, story_id, "
     "story_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, ?18, "
     "?19)",
     "INSERT INTO items (feed_id, canonical_url, fingerprint, content_hash, guid, title, link, author, summary, "
     "content, categories, published, updated, first_seen, last_seen, language, enclosures, item_key, story_id, "
     "story_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17, ?18, "
     "?19) RETURNING id"},
    // In pages (rows_per_page()): libpq holds a statement's whole result in memory, twice while it
    // reads it, and the window of 10,000 feeds (187,000 stories) took a PostgreSQL daemon to 278 MB.
    {Sql::indexed_stories, "read the stories of the window",
     "SELECT id, coalesce(published, first_seen), first_seen, features FROM stories WHERE first_seen >= ?1 "
     "AND id > ?2 ORDER BY id LIMIT ?3"},
    {Sql::representative_text, "read a story's item",
     "SELECT i.title, i.link, i.summary, i.content FROM stories AS s JOIN items AS i ON i.id = s.first_item_id "
     "WHERE s.id = ?1"},
    {Sql::save_story_features, "save story features", "UPDATE stories SET features = ?2 WHERE id = ?1"},
    // Shared PostgreSQL stores only (schema/postgresql/0005_story_revisions.sql); SQLite's text
    // reads ids as revisions.
    {Sql::stories_after, "read the stories other daemons wrote",
     "SELECT id, coalesce(published, first_seen), first_seen, features, id FROM stories WHERE id > ?1 ORDER BY id "
     "LIMIT ?2",
     "SELECT id, coalesce(published, first_seen), first_seen, features, revision FROM stories WHERE revision > ?1 "
     "ORDER BY revision LIMIT ?2"},
    {Sql::latest_story, "read the newest story's revision", "SELECT coalesce(max(id), 0) FROM stories",
     "SELECT coalesce(max(revision), 0) FROM stories"},
    {Sql::story_has_feed, "read a story's items", "SELECT 1 FROM items WHERE story_id = ?1 AND feed_id = ?2 LIMIT 1"},
    {Sql::move_item, "move an item to another story",
     "UPDATE items SET story_id = ?2, story_reason = ?3 WHERE id = ?1"},
    // Every item an ingest sees gets that ingest's time as last_seen, so a feed's newest
    // last_seen marks the items of its latest document: those stay, however old, since a feed
    // that answers 304 or fails for months still lists them and would bring them back as news.
    // Feed by feed (CROSS JOIN keeps feeds outside): each newest last_seen is one index seek and
    // only old items are read, where grouping the items read every one, every pass.
    {Sql::prune_items, "remove old items",
     "DELETE FROM items WHERE id IN (SELECT i.id FROM feeds AS f CROSS JOIN items AS i ON i.feed_id = f.id "
     "AND i.last_seen < min((SELECT max(last_seen) FROM items AS l WHERE l.feed_id = f.id), ?1)) "
     "RETURNING feed_id",
     // PostgreSQL planned the join as a scan of every item with the subquery run per item (68 ms
     // at 1,000 feeds, growing with the store); the LATERAL subqueries, kept apart by OFFSET 0,
     // make it two index seeks per feed (3.5 ms).
     "DELETE FROM items WHERE id IN (SELECT o.id FROM feeds AS f, LATERAL (SELECT max(last_seen) AS newest "
     "FROM items AS l WHERE l.feed_id = f.id) AS n, LATERAL (SELECT i.id FROM items AS i WHERE i.feed_id = f.id "
     "AND i.last_seen < least(n.newest, ?1) OFFSET 0) AS o) RETURNING feed_id"},
    // A story whose representative was removed is shown through its earliest remaining item.
    {Sql::repoint_stories, "choose representative items",
     "UPDATE stories SET first_item_id = (SELECT id FROM items WHERE items.story_id = stories.id "
     "ORDER BY first_seen, id LIMIT 1) WHERE first_item_id IS NULL"},
    {Sql::prune_stories, "remove empty stories", "DELETE FROM stories WHERE first_item_id IS NULL RETURNING id"},
    {Sql::count_feed_items, "count a feed's items", "SELECT count(*) FROM items WHERE feed_id = ?1"},
    {Sql::feed_name, "read a feed's name", "SELECT name FROM feeds WHERE id = ?1"},
}};

#undef TRIBUTARY_FEED_STATE_COLUMNS

constexpr bool sql_table_in_order() {
    for (std::size_t i = 0; i < kSql.size(); ++i)
        if (static_cast<std::size_t>(kSql[i].id) != i) return false;
    return true;
}
static_assert(sql_table_in_order(), "kSql must list the statements in enum order");

std::int64_t to_db(std::uint64_t fingerprint) noexcept { return std::bit_cast<std::int64_t>(fingerprint); }
std::uint64_t from_db(std::int64_t fingerprint) noexcept { return std::bit_cast<std::uint64_t>(fingerprint); }

// items.categories: a JSON array of strings (see schema/0001_init.sql).
std::string categories_to_json(const std::vector<std::string>& categories) {
    if (categories.empty()) return "[]";  // most items: no JSON value built and thrown away
    return nlohmann::json(categories).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// items.enclosures: a JSON array of {"url", "type", "length"} (see schema/0006_item_details.sql).
std::string enclosures_to_json(const std::vector<Enclosure>& enclosures) {
    if (enclosures.empty()) return "[]";
    nlohmann::json out = nlohmann::json::array();
    for (const Enclosure& e : enclosures) {
        nlohmann::json one{{"url", e.url}, {"type", e.type}};
        if (e.length) one["length"] = *e.length;
        out.push_back(std::move(one));
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string story_guid(std::string_view feed_name, std::string_view item_key) {
    std::string seed;
    seed.reserve(feed_name.size() + 1 + item_key.size());
    seed.append(feed_name).append(1, '\n').append(item_key);
    return "urn:tributary:story:" + hex64(fnv1a64(seed));
}

// "store: <context>: <rest>" from "store: <rest>".
Error in_context(std::string_view context, Error error) {
    std::string_view rest = error.message;
    if (rest.starts_with("store: ")) rest.remove_prefix(7);
    error.message = "store: " + std::string(context) + ": " + std::string(rest);
    return error;
}

Error with_path(const std::filesystem::path& file, Error error) { return in_context(file.string(), std::move(error)); }

std::unexpected<Error> no_feed(std::string_view name) {
    return fail(ErrorKind::Db, "store: no feed named \"" + std::string(name) + "\"");
}

// Which file a path names: what check_file() compares.
struct FileId {
    std::filesystem::path absolute;  // a later chdir must not change what check_file() looks at
    dev_t device = 0;
    ino_t inode = 0;
};

std::unexpected<Error> check_error(const std::filesystem::path& file, int error) {
    return fail(ErrorKind::Db, "store: check the database " + file.string() + ": " +
                                   std::error_code(error, std::generic_category()).message());
}

Result<FileId> identify(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(file, ec);
    if (ec) return check_error(file, ec.value());
    struct stat st {};
    if (::stat(absolute.c_str(), &st) != 0) return check_error(file, errno);
    return FileId{std::move(absolute), st.st_dev, st.st_ino};
}

// Durations share the integer encoding of times (seconds), and so the binder.
std::optional<SysTime> as_time(const std::optional<Seconds>& d) {
    if (!d) return std::nullopt;
    return SysTime{*d};
}

FeedState read_feed_state(const Statement& s) {
    FeedState state;
    state.name = s.column_text(0);
    state.url = s.column_text(1);
    state.etag = s.column_text(2);
    state.last_modified = s.column_text(3);
    state.last_fetch = s.column_time(4);
    state.last_success = s.column_time(5);
    state.last_outcome = s.column_text(6);
    state.http_status = static_cast<long>(s.column_int64(7));
    state.last_error = s.column_text(8);
    state.consecutive_failures = static_cast<int>(s.column_int64(9));
    state.next_due = s.column_time(10);
    state.schedule_reason = s.column_text(11);
    state.item_count = s.column_int64(12);
    state.moved_to = s.column_text(13);
    state.moved_count = static_cast<int>(s.column_int64(14));
    state.gone = s.column_int64(15) != 0;
    state.encoding_declared = s.column_text(16);
    state.encoding_used = s.column_text(17);
    // Durations are stored as seconds; column_time reads the same integer.
    const auto seconds = [&s](int column) -> std::optional<Seconds> {
        const auto t = s.column_time(column);
        if (!t) return std::nullopt;
        return t->time_since_epoch();
    };
    state.publish_interval = seconds(18);
    state.feed_ttl = seconds(19);
    state.skip_hours = static_cast<std::uint32_t>(s.column_int64(20));
    state.skip_days = static_cast<std::uint8_t>(s.column_int64(21));
    state.fresh_until = s.column_time(22);
    return state;
}

// Where an item sits in time for the story window: its date, else when it arrived; a date in
// the future (a wrong clock, a wrong zone) counts as arrival.
SysTime story_time(const ParsedItem& item, SysTime now) { return std::min(item.published.value_or(now), now); }

}  // namespace

struct FeedStore::Impl {
    // First, so it dies last: the lock is released only once the connection is closed.
    std::optional<InstanceLock> lock;
    std::filesystem::path file;      // as given to open(), for messages; empty in memory
    std::optional<FileId> identity;  // empty in memory
    Db db;
    int version = 0;
    std::vector<Statement> statements;               // indexed by Sql
    std::optional<detail::MergedFeedReader> merged;  // prepared on the first merged_items()
    std::optional<Transaction> batch;                // begin_batch() .. commit_batch(); after db: dies first
    bool batch_failed = false;                       // an ingest of the open batch failed: it keeps none
    bool read_only = false;                          // open_read_only(), open_postgresql_read_only()
    // PostgresqlDatabase::shared: stories are decided under the database's story lock, and
    // last_story_revision is the newest story revision this store's index has met (every story
    // written under that lock takes the next revision, so revisions grow in the order their
    // transactions commit).
    bool shared = false;
    std::int64_t last_story_revision = 0;
    std::string daemon;  // PostgresqlDatabase::daemon: the owner of its leases
    // Prepared on a shared store's first lease: SQLite has neither the columns nor SKIP LOCKED.
    std::optional<Statement> claim_hosts, lease, lease_refusals, release_lease, release_host, holds, hold;
    std::optional<Statement> story_with_item;     // PostgreSQL's create_story(), prepared at its first use
    std::optional<Statement> save_states;         // PostgreSQL's save_feed_states_at_once(), likewise
    std::optional<Statement> sync_feeds_at_once;  // PostgreSQL's sync_all_feeds(), likewise
    std::uint64_t leading_session = 0;            // the connection's session that holds the publishing lock

    Impl(Db db_, int version_) : db(std::move(db_)), version(version_) {}

    Statement& operator[](Sql id) { return statements[static_cast<std::size_t>(id)]; }

    static Result<std::unique_ptr<Impl>> make(Db db, int version) {
        auto impl = std::make_unique<Impl>(std::move(db), version);
        impl->statements.reserve(kSql.size());
        for (const SqlText& q : kSql) {
            const bool postgresql = impl->db.dialect() == Dialect::postgresql && q.postgresql != nullptr;
            auto stmt = Statement::prepare(impl->db, postgresql ? q.postgresql : q.sql, q.what);
            if (!stmt) return std::unexpected(stmt.error());
            impl->statements.push_back(std::move(*stmt));
        }
        return impl;
    }

    Result<std::optional<std::int64_t>> feed_id(std::string_view name) {
        Statement& s = (*this)[Sql::find_feed];
        auto use = s.use();
        auto row = s.bind(1, name).step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return std::nullopt;
        return s.column_int64(0);
    }

    // false: no feed of that name.
    Result<bool> save_state(const FeedState& state) {
        Statement& s = (*this)[Sql::save_feed_state];
        auto use = s.use();
        auto row = s.bind(1, state.name)
                       .bind(2, state.etag)
                       .bind(3, state.last_modified)
                       .bind(4, state.last_fetch)
                       .bind(5, state.last_success)
                       .bind(6, state.last_outcome)
                       .bind(7, static_cast<std::int64_t>(state.http_status))
                       .bind(8, state.last_error)
                       .bind(9, static_cast<std::int64_t>(state.consecutive_failures))
                       .bind(10, state.next_due)
                       .bind(11, state.schedule_reason)
                       .bind(12, state.moved_to)
                       .bind(13, static_cast<std::int64_t>(state.moved_count))
                       .bind(14, static_cast<std::int64_t>(state.gone ? 1 : 0))
                       .bind(15, state.encoding_declared)
                       .bind(16, state.encoding_used)
                       .bind(17, as_time(state.publish_interval))
                       .bind(18, as_time(state.feed_ttl))
                       .bind(19, static_cast<std::int64_t>(state.skip_hours))
                       .bind(20, static_cast<std::int64_t>(state.skip_days))
                       .bind(21, state.fresh_until)
                       .step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return false;
        if (auto done = s.finish(); !done) return std::unexpected(done.error());
        if (shared)
            if (auto r = end_lease(state.name); !r) return std::unexpected(r.error());
        return true;
    }

    // PostgreSQL: upsert_feed's work for every feed in one statement (a round trip each made a
    // `once` of 1,000 feeds start with 1,000 statements). Not ON CONFLICT DO UPDATE, which locks
    // every row it meets, changed or not: a daemon starting beside others that held some of those
    // rows in their transactions deadlocked with them. New names are inserted, and the UPDATE
    // locks only the rows the config changed: none when it did not change.
    Result<void> sync_all_feeds(std::span<const FeedSpec> feeds, SysTime now) {
        if (!sync_feeds_at_once) {
            auto prepared = Statement::prepare(
                db,
                "WITH v AS (SELECT * FROM json_to_recordset(?1::json) AS v(name text, url text, active bigint, "
                "priority bigint)), added AS (INSERT INTO feeds (name, url, active, created, priority) "
                "SELECT name, url, active, ?2, priority FROM v ORDER BY name ON CONFLICT (name) DO NOTHING "
                "RETURNING name) "
                "UPDATE feeds AS f SET url = v.url, active = v.active, priority = v.priority FROM v "
                "WHERE f.name = v.name AND v.name NOT IN (SELECT name FROM added) AND (f.url IS DISTINCT FROM v.url "
                "OR f.active IS DISTINCT FROM v.active OR f.priority IS DISTINCT FROM v.priority)",
                "save feeds");
            if (!prepared) return std::unexpected(prepared.error());
            sync_feeds_at_once.emplace(std::move(*prepared));
        }
        nlohmann::json rows = nlohmann::json::array();
        for (const FeedSpec& spec : feeds)
            rows.push_back({{"name", spec.name},
                            {"url", spec.url},
                            {"active", spec.enabled ? 1 : 0},
                            {"priority", std::clamp(spec.priority, 0, 100)}});
        auto use = sync_feeds_at_once->use();
        return sync_feeds_at_once->bind(1, rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            .bind(2, now)
            .run();
    }

    Result<void> end_lease(const std::string& name) {
        if (!release_lease) {
            auto prepared = Statement::prepare(
                db, "UPDATE feeds SET lease_owner = '', lease_until = NULL WHERE name = ?1 AND lease_owner = ?2",
                "end the feed's lease");
            if (!prepared) return std::unexpected(prepared.error());
            release_lease.emplace(std::move(*prepared));
        }
        auto use = release_lease->use();
        return release_lease->bind(1, name).bind(2, daemon).run();
    }

    struct KnownItem {
        std::int64_t id;
        std::string content_hash;
        std::int64_t story_id;
    };
    // The items of `keys` the feed has stored, by key (views into `keys`).
    Result<std::unordered_map<std::string_view, KnownItem>> find_items(std::int64_t feed,
                                                                       std::span<const ItemKeys> keys) {
        std::unordered_set<std::string_view> asked;
        nlohmann::json item_keys = nlohmann::json::array();
        for (const ItemKeys& key : keys)
            if (asked.insert(key.item_key).second) item_keys.push_back(key.item_key);
        std::unordered_map<std::string_view, KnownItem> out;
        Statement& s = (*this)[Sql::find_items];
        auto use = s.use();
        s.bind(1, feed).bind(2, item_keys.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        for (;;) {
            auto row = s.step();
            if (!row) return std::unexpected(row.error());
            if (!*row) return out;
            // Keyed by the document's own strings: a key that is not valid UTF-8 came back
            // replaced, and is not found (its item is taken as new, and its insert fails on the
            // (feed, key) constraint).
            if (const auto it = asked.find(s.column_text(0)); it != asked.end())
                out.emplace(*it, KnownItem{s.column_int64(1), s.column_text(2), s.column_int64(3)});
        }
    }

    // Stories whose time lies in [from, to], as the matcher sees them.
    Result<std::vector<StoryCandidate>> recent_stories(SysTime from, SysTime to) {
        Statement& s = (*this)[Sql::recent_stories];
        auto use = s.use();
        s.bind(1, from).bind(2, to);
        std::vector<StoryCandidate> out;
        for (;;) {
            auto row = s.step();
            if (!row) return std::unexpected(row.error());
            if (!*row) break;
            out.push_back(StoryCandidate{.story_id = s.column_int64(0),
                                         .canonical_url = s.column_text(1),
                                         .fingerprint = from_db(s.column_int64(2)),
                                         .published = s.column_time(3)});
        }
        return out;
    }

    // Where a changed item that is not its story's representative belongs now: the story with
    // its canonical URL, else the index's answer (a scored answer never a story its own feed
    // already reports). Moves it there when that is another story.
    Result<std::optional<IngestResult::Move>> rematch(std::int64_t item_id, std::int64_t story, std::int64_t feed,
                                                      const ItemKeys& key, const ParsedItem& item,
                                                      const StoryIndex& index, SysTime now, Seconds story_window) {
        std::optional<StoryMatch> target;
        auto by_url = story_by_url(key.canonical_url, item_id);
        if (!by_url) return std::unexpected(by_url.error());
        if (*by_url) target = StoryMatch{.story_id = **by_url, .reason = "url"};
        if (!target) target = index_match(index, key, item, story_time(item, now), story_window);
        if (!target || target->story_id == story) return std::nullopt;
        if (target->by_score) {
            auto own = story_has_feed(target->story_id, feed);
            if (!own) return std::unexpected(own.error());
            if (*own) return std::nullopt;
        }
        Statement& s = (*this)[Sql::move_item];
        auto use = s.use();
        if (auto r = s.bind(1, item_id).bind(2, target->story_id).bind(3, target->reason).run(); !r)
            return std::unexpected(r.error());
        return IngestResult::Move{
            .link = item.link, .from_story = story, .to_story = target->story_id, .reason = std::move(target->reason)};
    }

    Result<bool> story_has_feed(std::int64_t story, std::int64_t feed) {
        Statement& s = (*this)[Sql::story_has_feed];
        auto use = s.use();
        auto row = s.bind(1, story).bind(2, feed).step();
        if (!row) return std::unexpected(row.error());
        return *row;
    }

    // How many items the feed holds (for /status).
    Result<std::int64_t> feed_items(std::int64_t feed_id) {
        Statement& s = (*this)[Sql::count_feed_items];
        auto use = s.use();
        auto row = s.bind(1, feed_id).step();
        if (!row) return std::unexpected(row.error());
        return *row ? s.column_int64(0) : 0;
    }

    // The index's answer for an item that story_by_url() placed nowhere: its answers by the URL
    // are by a hash of it, and the exact lookup just found no item there (StoryMatch::by_url).
    static std::optional<StoryMatch> index_match(const StoryIndex& index, const ItemKeys& key, const ParsedItem& item,
                                                 SysTime time, Seconds window) {
        std::optional<StoryMatch> match = index.match(key, item, time, window);
        if (match && match->by_url) return std::nullopt;
        return match;
    }

    // The story of another item with this canonical URL (not `except_item`).
    Result<std::optional<std::int64_t>> story_by_url(std::string_view canonical_url, std::int64_t except_item = 0) {
        if (canonical_url.empty()) return std::nullopt;
        Statement& s = (*this)[Sql::story_by_url];
        auto use = s.use();
        auto row = s.bind(1, canonical_url).bind(2, except_item).step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return std::nullopt;
        return s.column_int64(0);
    }

    // Shared stores: waits for the story lock (held until the transaction ends), then gives the
    // index the stories other daemons wrote since this store last looked (new ones, and those
    // whose text changed), unless they arrived before `arrived_since`.
    Result<void> catch_up(StoryIndex& index, SysTime arrived_since) {
        if (auto r = db.exec(story_lock_sql(), "wait for other daemons' ingests"); !r) return r;
        const std::int64_t page = rows_per_page();
        for (std::int64_t rows = page; rows == page;) {
            rows = 0;
            Statement& s = (*this)[Sql::stories_after];
            auto use = s.use();
            s.bind(1, last_story_revision).bind(2, page);
            ItemKeys keys;
            for (;;) {
                auto row = s.step();
                if (!row) return std::unexpected(row.error());
                if (!*row) break;
                ++rows;
                const std::int64_t id = s.column_int64(0);
                const SysTime arrived = s.column_time(2).value_or(SysTime{});
                keys.features = s.column_blob(3);
                if (!keys.features.empty() && arrived >= arrived_since)
                    index.add(id, keys, std::min(s.column_time(1).value_or(arrived), arrived), arrived);
                last_story_revision = std::max(last_story_revision, s.column_int64(4));
            }
        }
        return {};
    }
    // Rows per statement of the reads that may return many: PostgreSQL's results are held whole in
    // the daemon's memory, SQLite's are stepped through (-1: no limit).
    std::int64_t rows_per_page() const { return db.dialect() == Dialect::postgresql ? 2000 : -1; }
    static constexpr std::int64_t kStoryLock = 0x74726962'73746f72;  // "tribstor"
    // Another daemon holds the lock for a whole batch of ingests, longer than the lock_timeout
    // meant for row locks: the wait has its own bound, for this transaction only.
    static std::string story_lock_sql() { return lock_sql(kStoryLock); }
    static constexpr std::int64_t kSyncLock = 0x74726962'73796e63;  // "tribsync"
    static std::string lock_sql(std::int64_t key) {
        return "SET LOCAL lock_timeout = '120s'; SELECT pg_advisory_xact_lock(" + std::to_string(key) +
               "); SET LOCAL lock_timeout = '" + std::to_string(kBusyTimeout.count()) + "ms'";
    }

    // The new row's id from the connection, not from a RETURNING clause: SQLite keeps a statement's
    // RETURNING rows in a temporary b-tree that it opens and closes at each run (4% of the database
    // thread's time in a cold 10,000-feed cycle, for the two inserts every new item makes).
    Result<std::int64_t> insert_story(const std::string& guid, const ItemKeys& keys, const ParsedItem& item,
                                      SysTime now, std::int64_t first_item) {
        Statement& s = (*this)[Sql::insert_story];
        auto use = s.use();
        s.bind_view(1, guid)
            .bind_view(2, keys.canonical_url)
            .bind(3, to_db(keys.fingerprint))
            .bind(4, item.published)
            .bind(5, now)
            .bind_blob_view(6, keys.features)
            .bind(7, first_item);
        return inserted_id(s);
    }

    Result<std::int64_t> insert_item(std::int64_t feed, std::int64_t story, const ItemKeys& keys,
                                     const ParsedItem& item, SysTime now, std::string_view story_reason) {
        Statement& s = (*this)[Sql::insert_item];
        auto use = s.use();
        bind_item_text(s.bind(1, feed), keys, item, now);
        s.bind_view(17, keys.item_key).bind(18, story).bind_view(19, story_reason);
        return inserted_id(s);
    }

    // Runs an insert of a row; its id (PostgreSQL's statement says RETURNING id).
    Result<std::int64_t> inserted_id(Statement& s) {
        if (db.dialect() == Dialect::sqlite) {
            if (auto done = s.run(); !done) return std::unexpected(done.error());
            return db.last_insert_rowid();
        }
        auto row = s.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return db_error(s.what(), "no id came back");
        return s.column_int64(0);
    }

    // A new story and its first item, which represents it: the story's id. On SQLite the story is
    // written naming the id its item is about to get (a reference checked at commit, schema 9),
    // then the item. PostgreSQL makes one statement of it, since each is a round trip to the
    // server: the item's id is drawn first, so that the story names it and the item its story
    // (their foreign keys are checked when the statement ends). A cold cycle made five round
    // trips per new story.
    Result<std::int64_t> create_story(std::int64_t feed, const std::string& guid, const ItemKeys& keys,
                                      const ParsedItem& item, SysTime now) {
        if (db.dialect() == Dialect::sqlite) {
            std::int64_t next_item = 0;
            {
                Statement& s = (*this)[Sql::next_item_id];
                auto use = s.use();
                auto row = s.step();
                if (!row) return std::unexpected(row.error());
                if (!*row) return db_error(s.what(), "no id came back");
                next_item = s.column_int64(0);
            }
            auto story = insert_story(guid, keys, item, now, next_item);
            if (!story) return story;
            auto inserted = insert_item(feed, *story, keys, item, now, "new story");
            if (!inserted) return inserted;
            // Only when the largest id is SQLite's largest integer does it choose another one.
            if (*inserted != next_item)
                return db_error("insert story", "the story's first item took id " + std::to_string(*inserted) +
                                                    ", not " + std::to_string(next_item));
            return *story;
        }
        if (!story_with_item) {
            auto prepared = Statement::prepare(
                db,
                "WITH ids AS (SELECT nextval(pg_get_serial_sequence('items', 'id')) AS item_id), "
                "story AS (INSERT INTO stories (guid, canonical_url, fingerprint, published, first_seen, features, "
                "first_item_id) SELECT ?19, ?2, ?3::bigint, ?12::bigint, ?14::bigint, ?20::bytea, item_id FROM ids "
                "RETURNING id, revision), "
                "item AS (INSERT INTO items (id, feed_id, canonical_url, fingerprint, content_hash, guid, title, link, "
                "author, summary, content, categories, published, updated, first_seen, last_seen, language, "
                "enclosures, item_key, story_id, story_reason) SELECT ids.item_id, ?1::bigint, ?2, ?3::bigint, ?4, "
                "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12::bigint, ?13::bigint, ?14::bigint, ?14::bigint, ?15, ?16, ?17, "
                "story.id, ?18 FROM ids, story RETURNING story_id) "
                "SELECT item.story_id, story.revision FROM item, story",
                "insert story");
            if (!prepared) return std::unexpected(prepared.error());
            story_with_item.emplace(std::move(*prepared));
        }
        Statement& s = *story_with_item;
        auto use = s.use();
        bind_item_text(s.bind(1, feed), keys, item, now);
        s.bind(17, keys.item_key).bind(18, std::string_view("new story")).bind(19, guid).bind_blob(20, keys.features);
        auto row = s.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return db_error(s.what(), "no id came back");
        // This store's own write, under the story lock when shared: the newest revision there is.
        last_story_revision = std::max(last_story_revision, s.column_int64(1));
        return s.column_int64(0);
    }

    // ?2 .. ?16 of insert_item and update_item: what the feed says of the item, and when it was seen.
    static Statement& bind_item_text(Statement& s, const ItemKeys& keys, const ParsedItem& item, SysTime now) {
        // The item's own text is bound as views: the caller's Use guard ends before `item` does.
        return s.bind_view(2, keys.canonical_url)
            .bind(3, to_db(keys.fingerprint))
            .bind_view(4, keys.content_hash)
            .bind_view(5, item.id)
            .bind_view(6, item.title)
            .bind_view(7, item.link)
            .bind_view(8, item.author)
            .bind_view(9, item.summary)
            .bind_view(10, item.content)
            .bind(11, categories_to_json(item.categories))
            .bind(12, item.published)
            .bind(13, item.updated)
            .bind(14, now)
            .bind_view(15, item.language)
            .bind(16, enclosures_to_json(item.enclosures));
    }

    // The item's new text; when it is its story's representative, the story's too, and then
    // the story's first_seen (the story's text changed: the index must learn it).
    Result<std::optional<SysTime>> update_item(std::int64_t item_id, std::int64_t story, const ItemKeys& keys,
                                               const ParsedItem& item, SysTime now) {
        {
            Statement& s = (*this)[Sql::update_item];
            auto use = s.use();
            if (auto r = bind_item_text(s.bind(1, item_id), keys, item, now).run(); !r)
                return std::unexpected(r.error());
        }
        // A story mirrors its representative item (a no-op for other items).
        Statement& s = (*this)[Sql::sync_story];
        auto use = s.use();
        auto row = s.bind(1, story)
                       .bind(2, item_id)
                       .bind(3, keys.canonical_url)
                       .bind(4, to_db(keys.fingerprint))
                       .bind(5, item.published)
                       .bind_blob(6, keys.features)
                       .step();
        if (!row) return std::unexpected(row.error());
        std::optional<SysTime> first_seen;
        if (*row) {
            first_seen = s.column_time(0);
            // This store's own write, under the story lock: the newest revision there is.
            if (shared) last_story_revision = std::max(last_story_revision, s.column_int64(1));
        }
        if (auto done = s.finish(); !done) return std::unexpected(done.error());
        return first_seen;
    }

    Result<void> run(Sql id, std::int64_t a, std::int64_t b) {
        Statement& s = (*this)[id];
        auto use = s.use();
        return s.bind(1, a).bind(2, b).run();
    }
};

FeedStore::FeedStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeedStore::FeedStore(FeedStore&&) noexcept = default;
FeedStore& FeedStore::operator=(FeedStore&&) noexcept = default;
FeedStore::~FeedStore() = default;

int FeedStore::schema_version() const { return impl_->version; }

namespace {

// Errors of a write: "store: <context>: <what>: <sqlite message>".
auto failed_in(std::string context) {
    return [context = std::move(context)](const Error& error) { return std::unexpected(in_context(context, error)); };
}

}  // namespace

namespace {

// After an upgrade, the operator's first question: what did start-up do to the database?
void log_migrations(const std::string& where, int before, int after, const std::vector<std::string_view>& applied) {
    if (applied.empty()) return;
    auto logger = spdlog::get("store");
    if (!logger) logger = spdlog::default_logger();
    std::string names;
    for (const std::string_view name : applied) names += (names.empty() ? "" : ", ") + std::string(name);
    if (before == 0)
        logger->info("store: created {} at schema version {} ({})", where, after, names);
    else
        logger->info("store: upgraded {} from schema version {} to {}: applied {}", where, before, after, names);
}

}  // namespace

Result<FeedStore> FeedStore::open(const std::filesystem::path& file) {
    auto db = Db::open(file.string(), Db::Mode::read_write_create);
    if (!db) return std::unexpected(db.error());
    // Taken after sqlite3_open, whose error names a missing directory best, and before
    // anything is written, so a second daemon neither migrates nor configures the file.
    auto lock = InstanceLock::acquire(file);
    if (!lock) return std::unexpected(lock.error());
    auto identity = identify(file);
    if (!identity) return std::unexpected(identity.error());
    auto setup = [&]() -> Result<std::unique_ptr<Impl>> {
        db->set_busy_timeout(kBusyTimeout);
        if (auto r = db->exec("PRAGMA foreign_keys = ON", "configure"); !r) return std::unexpected(r.error());
        auto mode = db->pragma_text("PRAGMA journal_mode = WAL", "enable WAL");
        if (!mode) return std::unexpected(mode.error());
        if (*mode != "wal") return db_error("enable WAL", "journal_mode is \"" + *mode + "\"");
        // The autocheckpoint keeps the WAL near 4 MiB while no reader blocks it; once
        // one has and the WAL grew, the limit cuts it back when it next restarts, so a
        // long read costs disk space only while it lasts (checkpoint() reports it).
        // synchronous = NORMAL: in WAL mode a commit survives the process being killed and
        // never corrupts the database; only a power cut may take back the last commits, and
        // then every one of them is a poll that the next cycle repeats (a feed's validators
        // roll back with its items). FULL paid one fsync per feed per cycle: two thirds of a
        // cycle in which every feed answers 304.
        // temp_store = MEMORY: in a transaction SQLite copies the pages a statement changes to a
        // statement journal first, to take that statement back alone if it fails. Once the journal
        // passed 64 KiB it became a temporary file for the rest of the transaction, and writing it
        // was 9 in 10 of a cold cycle's writes (strace, first 30 s at 10,000 feeds: 1.3 GB, beside
        // 180 MB to the database and its WAL). In memory a statement's copies go when it ends.
        if (auto r = db->exec("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 1000; "
                              "PRAGMA journal_size_limit = 16777216; PRAGMA temp_store = MEMORY",
                              "configure");
            !r)
            return std::unexpected(r.error());
        auto before = db->user_version();
        if (!before) return std::unexpected(before.error());
        std::vector<std::string_view> applied;
        auto version = detail::migrate(*db, detail::embedded_migrations(), &applied);
        if (!version) return std::unexpected(version.error());
        log_migrations(file.string(), *before, *version, applied);
        return Impl::make(std::move(*db), *version);
    };
    auto impl = setup();
    if (!impl) return std::unexpected(with_path(file, impl.error()));
    (*impl)->lock = std::move(*lock);
    (*impl)->file = file;
    (*impl)->identity = std::move(*identity);
    return FeedStore{std::move(*impl)};
}

Result<FeedStore> FeedStore::open_read_only(const std::filesystem::path& file) {
    auto db = Db::open_for_reading(file.string());
    if (!db) return std::unexpected(db.error());
    auto identity = identify(file);
    if (!identity) return std::unexpected(identity.error());
    auto setup = [&]() -> Result<std::unique_ptr<Impl>> {
        db->set_busy_timeout(kBusyTimeout);
        auto version = detail::check_version(*db, detail::embedded_migrations());
        if (!version) return std::unexpected(version.error());
        auto impl = Impl::make(std::move(*db), *version);
        if (impl) (*impl)->read_only = true;
        return impl;
    };
    auto impl = setup();
    if (!impl) return std::unexpected(with_path(file, impl.error()));
    (*impl)->file = file;
    (*impl)->identity = std::move(*identity);
    return FeedStore{std::move(*impl)};
}

namespace {

// One daemon per PostgreSQL database (and schema) until feeds are leased: a session advisory lock,
// held while the connection lives, keyed by where the tables are; taken again by each new session
// after a lost connection (and refused then if another daemon took the database meanwhile).
Result<void> lock_postgresql(Db& db) {
    return db.postgresql()->add_session_setup(
        "SELECT pg_try_advisory_lock(hashtextextended('tributary ' || current_database() || ' ' || current_schema(), "
        "0))",
        "take the instance lock", /*must_be_true=*/true,
        "store: in use by another tributary (one daemon per database for now)");
}

}  // namespace

Result<FeedStore> FeedStore::open_postgresql(const PostgresqlDatabase& target) {
    auto db = Db::open_postgresql(target.conninfo, target.password, target.shown_as);
    if (!db) return std::unexpected(db.error());
    auto setup = [&]() -> Result<std::unique_ptr<Impl>> {
        if (!target.shared)
            if (auto r = lock_postgresql(*db); !r) return std::unexpected(r.error());
        db->set_busy_timeout(kBusyTimeout);
        auto before = db->user_version();
        if (!before) return std::unexpected(before.error());
        std::vector<std::string_view> applied;
        auto version = detail::migrate(*db, detail::embedded_postgresql_migrations(), &applied);
        if (!version) return std::unexpected(version.error());
        log_migrations(target.shown_as, *before, *version, applied);
        auto impl = Impl::make(std::move(*db), *version);
        if (impl) {
            (*impl)->shared = target.shared;
            (*impl)->daemon = target.daemon;
        }
        return impl;
    };
    auto impl = setup();
    if (!impl) return std::unexpected(in_context(target.shown_as, impl.error()));
    return FeedStore{std::move(*impl)};
}

Result<std::string> FeedStore::describe_postgresql(const PostgresqlDatabase& target) {
    auto db = Db::open_postgresql(target.conninfo, target.password, target.shown_as);
    if (!db) return std::unexpected(db.error());
    auto version = Statement::prepare(*db, "SELECT current_setting('server_version')", "read the server's version");
    if (!version) return std::unexpected(in_context(target.shown_as, version.error()));
    auto row = version->step();
    if (!row) return std::unexpected(in_context(target.shown_as, row.error()));
    std::string out = "PostgreSQL " + (*row ? version->column_text(0) : std::string("?"));
    auto schema = db->user_version();
    if (!schema) return std::unexpected(in_context(target.shown_as, schema.error()));
    const int latest = detail::latest_version(detail::embedded_postgresql_migrations());
    if (*schema > latest)
        return fail(ErrorKind::Db, "store: " + target.shown_as + ": schema version " + std::to_string(*schema) +
                                       " is newer than this build of tributary knows (" + std::to_string(latest) +
                                       "); use a newer tributary");
    if (*schema == 0) return out + ", no tables yet (created at start)";
    out += ", schema version " + std::to_string(*schema);
    return *schema == latest ? out + " (this build's)" : out + " (migrated to " + std::to_string(latest) + " at start)";
}

Result<FeedStore> FeedStore::open_postgresql_read_only(const PostgresqlDatabase& target) {
    auto db = Db::open_postgresql(target.conninfo, target.password, target.shown_as);
    if (!db) return std::unexpected(db.error());
    auto setup = [&]() -> Result<std::unique_ptr<Impl>> {
        if (auto r = db->postgresql()->add_session_setup("SET default_transaction_read_only = on", "configure"); !r)
            return std::unexpected(r.error());
        db->set_busy_timeout(kBusyTimeout);
        auto version = detail::check_version(*db, detail::embedded_postgresql_migrations());
        if (!version) return std::unexpected(version.error());
        auto impl = Impl::make(std::move(*db), *version);
        if (impl) (*impl)->read_only = true;
        return impl;
    };
    auto impl = setup();
    if (!impl) return std::unexpected(in_context(target.shown_as, impl.error()));
    return FeedStore{std::move(*impl)};
}

Result<FeedStore> FeedStore::open_in_memory() {
    auto db = Db::open_in_memory();
    if (!db) return std::unexpected(db.error());
    if (auto r = db->exec("PRAGMA foreign_keys = ON", "configure"); !r) return std::unexpected(r.error());
    auto version = detail::migrate(*db, detail::embedded_migrations());
    if (!version) return std::unexpected(version.error());
    auto impl = Impl::make(std::move(*db), *version);
    if (!impl) return std::unexpected(impl.error());
    return FeedStore{std::move(*impl)};
}

Result<void> FeedStore::check_file() const {
    const Impl& m = *impl_;
    if (!m.identity) return {};
    struct stat st {};
    if (::stat(m.identity->absolute.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return fail(ErrorKind::DbLost,
                        "store: the database " + m.file.string() + " was deleted while the daemon ran");
        return check_error(m.file, errno);
    }
    if (st.st_dev != m.identity->device || st.st_ino != m.identity->inode)
        return fail(ErrorKind::DbLost, "store: the database " + m.file.string() + " was replaced by another file");
    return {};
}

Result<void> FeedStore::begin_batch() {
    if (impl_->batch) return fail(ErrorKind::Internal, "store: begin a batch: one is open already");
    auto begun = Transaction::begin(impl_->db);
    if (!begun) return failed_in("begin a batch of ingests")(begun.error());
    impl_->batch.emplace(std::move(*begun));
    impl_->batch_failed = false;
    return {};
}

Result<void> FeedStore::commit_batch() {
    if (!impl_->batch) return fail(ErrorKind::Internal, "store: commit a batch: none is open");
    std::optional<Transaction> batch = std::exchange(impl_->batch, std::nullopt);
    if (impl_->batch_failed) {
        return fail(ErrorKind::Internal,
                    "store: commit a batch of ingests: one of them failed, so the batch keeps none of them");
    }
    if (auto r = batch->commit(); !r) return failed_in("commit a batch of ingests")(r.error());
    return {};
}

void FeedStore::abandon_batch() {
    impl_->batch.reset();
    impl_->batch_failed = false;
}

Result<CheckpointResult> FeedStore::checkpoint() {
    Impl& m = *impl_;
    auto done = m.db.checkpoint_wal();
    if (!done) return std::unexpected(done.error());
    CheckpointResult out{.busy = done->busy,
                         .log_frames = done->log_frames,
                         .checkpointed_frames = done->checkpointed_frames,
                         .wal_bytes = 0};
    if (!m.identity) return out;
    std::filesystem::path wal = m.identity->absolute;
    wal += "-wal";
    std::error_code ec;
    const auto size = std::filesystem::file_size(wal, ec);
    if (!ec) {
        out.wal_bytes = size;
    } else if (ec != std::errc::no_such_file_or_directory) {
        return db_error("checkpoint", "size of " + wal.string() + ": " + ec.message());
    }
    return out;
}

struct WalCheckpointer::Impl {
    Db db;
    std::string file;  // for messages
};

WalCheckpointer::WalCheckpointer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WalCheckpointer::WalCheckpointer(WalCheckpointer&&) noexcept = default;
WalCheckpointer& WalCheckpointer::operator=(WalCheckpointer&&) noexcept = default;
WalCheckpointer::~WalCheckpointer() = default;

Result<void> WalCheckpointer::run() {
    auto done = impl_->db.one_passive_checkpoint();
    // Db's message reads "store: checkpoint: …"; the file is named here, once.
    if (!done) return db_error("checkpoint " + impl_->file, impl_->db.error_message());
    return {};
}

Result<std::optional<WalCheckpointer>> FeedStore::hand_checkpoints_over(std::function<void()> request) {
    Impl& m = *impl_;
    if (m.db.dialect() != Dialect::sqlite || m.read_only || !m.identity) return std::nullopt;
    auto db = Db::open(m.identity->absolute.string(), Db::Mode::read_write_create);
    if (!db) return std::unexpected(db.error());
    // Its syncs are the checkpoint's: the WAL before the copy, the database after (as the
    // writer's, which are NORMAL). A first read opens the WAL, which a checkpoint needs.
    if (auto r = db->exec("PRAGMA synchronous = NORMAL", "configure the checkpointer"); !r)
        return std::unexpected(r.error());
    if (auto r = db->user_version(); !r) return std::unexpected(r.error());
    m.db.hand_checkpoints_over(std::move(request), kCheckpointRequestFrames, kWriterCheckpointFrames);
    return WalCheckpointer(std::make_unique<WalCheckpointer::Impl>(std::move(*db), m.file.string()));
}

Result<void> FeedStore::sync_feeds(std::span<const FeedSpec> feeds, SysTime now) {
    Impl& m = *impl_;
    const auto failed = failed_in("sync feeds");
    auto tx = Transaction::begin(m.db);
    if (!tx) return failed(tx.error());
    // Daemons sharing a database start together and write the same rows: one at a time, or their
    // upserts deadlock (seen with three).
    if (m.shared)
        if (auto r = m.db.exec(Impl::lock_sql(Impl::kSyncLock), "wait for other daemons' start"); !r)
            return failed(r.error());
    {
        nlohmann::json listed = nlohmann::json::array();
        for (const FeedSpec& spec : feeds) listed.push_back(spec.name);
        Statement& s = m[Sql::deactivate_feeds];
        auto use = s.use();
        if (auto r = s.bind(1, listed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).run(); !r)
            return failed(r.error());
    }
    if (m.db.dialect() == Dialect::postgresql) {
        if (auto r = m.sync_all_feeds(feeds, now); !r) return failed(r.error());
        if (auto r = tx->commit(); !r) return failed(r.error());
        return {};
    }
    Statement& s = m[Sql::upsert_feed];
    for (const FeedSpec& spec : feeds) {
        auto use = s.use();
        auto r = s.bind(1, spec.name)
                     .bind(2, spec.url)
                     .bind(3, static_cast<std::int64_t>(spec.enabled ? 1 : 0))
                     .bind(4, now)
                     .bind(5, static_cast<std::int64_t>(std::clamp(spec.priority, 0, 100)))
                     .run();
        if (!r) return failed(r.error());
    }
    if (auto r = tx->commit(); !r) return failed(r.error());
    return {};
}

Result<std::vector<FeedState>> FeedStore::feed_states() {
    Statement& s = (*impl_)[Sql::active_feed_states];
    auto use = s.use();
    std::vector<FeedState> out;
    for (;;) {
        auto row = s.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.push_back(read_feed_state(s));
    }
    return out;
}

Result<FeedLeases> FeedStore::lease_feeds(std::span<const FeedToLease> feeds, SysTime now, SysTime until) {
    Impl& m = *impl_;
    const auto failed = failed_in("lease feeds");
    if (!m.shared) return fail(ErrorKind::Internal, "store: lease feeds: the store is not shared");
    if (!m.lease) {
        // Hosts in one order in every daemon, so that two claiming the same hosts wait for each
        // other's rows without deadlock. ON CONFLICT DO UPDATE rechecks its WHERE on the row a
        // concurrent claim committed: of two daemons claiming a free host at once, one gets it.
        // Only the hosts of feeds this daemon may lease now: a host claimed for a feed that another
        // daemon polled meanwhile kept that host from the others until its release.
        auto claim = Statement::prepare(
            m.db,
            "INSERT INTO host_leases (host, owner, until) SELECT DISTINCT a.value->>1, ?1, ?2::bigint "
            "FROM json_array_elements(?3::json) AS a JOIN feeds AS f ON f.name = a.value->>0 AND f.active = 1 "
            "AND coalesce(f.next_due, 0) <= ?4 AND (f.lease_until IS NULL OR f.lease_until <= ?4 OR f.lease_owner = "
            "?1) "
            "ORDER BY 1 ON CONFLICT (host) DO UPDATE SET owner = excluded.owner, "
            "until = excluded.until WHERE host_leases.owner = excluded.owner OR host_leases.until <= ?4",
            "lease hosts");
        if (!claim) return failed(claim.error());
        auto lease = Statement::prepare(
            m.db,
            "UPDATE feeds AS f SET lease_owner = ?1, lease_until = ?2 FROM (SELECT id FROM feeds WHERE active = 1 "
            "AND name IN (SELECT a.value->>0 FROM json_array_elements(?3::json) AS a JOIN host_leases AS h "
            "ON h.host = a.value->>1 AND h.owner = ?1 AND h.until > ?4) "
            "AND (lease_until IS NULL OR lease_until <= ?4 OR lease_owner = ?1) "
            "AND coalesce(next_due, 0) <= ?4 "
            "ORDER BY id FOR UPDATE SKIP LOCKED) AS due WHERE f.id = due.id RETURNING f.name",
            "lease feeds");
        if (!lease) return failed(lease.error());
        auto refusals = Statement::prepare(
            m.db,
            "SELECT f.name, f.next_due, CASE WHEN f.lease_until > ?2 THEN f.lease_owner "
            "WHEN h.until > ?2 AND h.owner <> ?3 THEN h.owner ELSE '' END, "
            "CASE WHEN f.lease_until > ?2 THEN f.lease_until WHEN h.until > ?2 AND h.owner <> ?3 THEN h.until END, "
            "CASE WHEN f.lease_until > ?2 THEN 0 WHEN h.until > ?2 AND h.owner <> ?3 THEN 1 ELSE 0 END "
            "FROM json_array_elements(?1::json) AS a JOIN feeds AS f ON f.name = a.value->>0 AND f.active = 1 "
            "LEFT JOIN host_leases AS h ON h.host = a.value->>1 ORDER BY f.name",
            "read the feeds not leased");
        if (!refusals) return failed(refusals.error());
        auto holds = Statement::prepare(m.db, "SELECT host, until, feed FROM host_holds WHERE until > ?1 ORDER BY host",
                                        "read the hosts' holds");
        if (!holds) return failed(holds.error());
        m.claim_hosts.emplace(std::move(*claim));
        m.lease.emplace(std::move(*lease));
        m.lease_refusals.emplace(std::move(*refusals));
        m.holds.emplace(std::move(*holds));
    }
    nlohmann::json asked = nlohmann::json::array();
    for (const FeedToLease& feed : feeds) asked.push_back(nlohmann::json::array({feed.name, feed.host}));
    const std::string asked_json = asked.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    {
        Statement& s = *m.claim_hosts;
        auto use = s.use();
        if (auto r = s.bind(1, m.daemon).bind(2, until).bind(3, asked_json).bind(4, now).run(); !r)
            return failed(r.error());
    }

    std::set<std::string> leased_names;
    {
        Statement& s = *m.lease;
        auto use = s.use();
        s.bind(1, m.daemon).bind(2, until).bind(3, asked_json).bind(4, now);
        for (;;) {
            auto row = s.step();
            if (!row) return failed(row.error());
            if (!*row) break;
            leased_names.insert(s.column_text(0));
        }
    }
    FeedLeases out;
    {
        Statement& s = *m.holds;
        auto use = s.use();
        s.bind(1, now);
        for (;;) {
            auto row = s.step();
            if (!row) return failed(row.error());
            if (!*row) break;
            out.holds.push_back(FeedLeases::HostHold{
                .host = s.column_text(0), .until = s.column_time(1).value_or(now), .feed = s.column_text(2)});
        }
    }
    for (const std::string& name : leased_names) {
        auto state = feed_state(name);
        if (!state) return failed(state.error());
        out.leased.push_back(std::move(*state));
    }
    Statement& s = *m.lease_refusals;
    auto use = s.use();
    s.bind(1, asked_json).bind(2, now).bind(3, m.daemon);
    for (;;) {
        auto row = s.step();
        if (!row) return failed(row.error());
        if (!*row) return out;
        std::string name = s.column_text(0);
        if (leased_names.contains(name)) continue;
        out.refused.push_back(FeedLeases::Refused{.name = std::move(name),
                                                  .next_due = s.column_time(1),
                                                  .lease_owner = s.column_text(2),
                                                  .lease_until = s.column_time(3),
                                                  .host_leased = s.column_int64(4) != 0});
    }
}

Result<void> FeedStore::release_host(const std::string& host, SysTime from) {
    Impl& m = *impl_;
    const auto failed = failed_in("release host " + host);
    if (!m.shared) return fail(ErrorKind::Internal, "store: release host " + host + ": the store is not shared");
    if (!m.release_host) {
        auto release = Statement::prepare(
            m.db, "UPDATE host_leases SET until = ?3 WHERE host = ?1 AND owner = ?2 AND until > ?3", "release a host");
        if (!release) return failed(release.error());
        m.release_host.emplace(std::move(*release));
    }
    auto use = m.release_host->use();
    if (auto r = m.release_host->bind(1, host).bind(2, m.daemon).bind(3, from).run(); !r) return failed(r.error());
    return {};
}

Result<void> FeedStore::hold_host(const std::string& host, SysTime until, const std::string& feed) {
    Impl& m = *impl_;
    const auto failed = failed_in("hold host " + host);
    if (!m.shared) return fail(ErrorKind::Internal, "store: hold host " + host + ": the store is not shared");
    if (!m.hold) {
        auto hold =
            Statement::prepare(m.db,
                               "INSERT INTO host_holds (host, until, feed) VALUES (?1, ?2, ?3) ON CONFLICT (host) "
                               "DO UPDATE SET until = excluded.until, feed = excluded.feed "
                               "WHERE host_holds.until < excluded.until",
                               "hold a host");
        if (!hold) return failed(hold.error());
        m.hold.emplace(std::move(*hold));
    }
    auto use = m.hold->use();
    if (auto r = m.hold->bind(1, host).bind(2, until).bind(3, feed).run(); !r) return failed(r.error());
    return {};
}

Result<bool> FeedStore::lead_publishing() {
    Impl& m = *impl_;
    if (!m.shared) return true;
    PgConnection* pg = m.db.postgresql();
    if (m.leading_session != 0 && m.leading_session == pg->session()) return true;  // lost with a lost session
    auto s = Statement::prepare(m.db,
                                "SELECT pg_try_advisory_lock(hashtextextended('tributary publish ' || "
                                "current_database() || ' ' || current_schema(), 0))",
                                "take the publishing lock");
    if (!s) return std::unexpected(in_context("lead publishing", s.error()));
    auto row = s->step();
    if (!row) return std::unexpected(in_context("lead publishing", row.error()));
    const bool leading = *row && s->column_int64(0) != 0;
    if (leading) m.leading_session = pg->session();
    return leading;
}

namespace {

// Rows of (name, owner, until), by name: feeds' or hosts' leases. Empty on SQLite, which has one
// daemon.
Result<std::map<std::string, FeedStore::Lease, std::less<>>> read_leases(Db& db, const char* sql, const char* what,
                                                                         SysTime now) {
    std::map<std::string, FeedStore::Lease, std::less<>> out;
    if (db.dialect() != Dialect::postgresql) return out;
    auto s = Statement::prepare(db, sql, what);
    if (!s) return std::unexpected(s.error());
    s->bind(1, now);
    for (;;) {
        auto row = s->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return out;
        out.emplace(s->column_text(0),
                    FeedStore::Lease{.owner = s->column_text(1), .until = s->column_time(2).value_or(now)});
    }
}

}  // namespace

Result<std::map<std::string, FeedStore::Lease, std::less<>>> FeedStore::leases(SysTime now) {
    return read_leases(impl_->db,
                       "SELECT name, lease_owner, lease_until FROM feeds WHERE lease_owner <> '' AND lease_until > ?1 "
                       "ORDER BY name",
                       "read the leases", now);
}

Result<std::map<std::string, FeedStore::Lease, std::less<>>> FeedStore::host_leases(SysTime now) {
    return read_leases(impl_->db, "SELECT host, owner, until FROM host_leases WHERE until > ?1 ORDER BY host",
                       "read the hosts' leases", now);
}

Result<FeedState> FeedStore::feed_state(std::string_view name) {
    Statement& s = (*impl_)[Sql::feed_state];
    auto use = s.use();
    auto row = s.bind(1, name).step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return no_feed(name);
    return read_feed_state(s);
}

namespace {

nlohmann::json time_or_null(const std::optional<SysTime>& t) {
    return t ? nlohmann::json(t->time_since_epoch().count()) : nlohmann::json(nullptr);
}

}  // namespace

// PostgreSQL: all the states in one statement, a row of the JSON array per feed (a statement is a
// round trip, and a round of 304s made one per feed: 2.5 times SQLite's CPU per feed, server
// included), the lease of each ended with it. A feed absent from the answer was not found.
std::vector<Result<void>> FeedStore::save_feed_states_at_once(std::span<const FeedState> states) {
    Impl& m = *impl_;
    std::vector<Result<void>> results;
    results.reserve(states.size());
    nlohmann::json rows = nlohmann::json::array();
    for (const FeedState& state : states) {
        rows.push_back({{"name", state.name},
                        {"etag", state.etag},
                        {"last_modified", state.last_modified},
                        {"last_fetch", time_or_null(state.last_fetch)},
                        {"last_success", time_or_null(state.last_success)},
                        {"last_outcome", state.last_outcome},
                        {"http_status", state.http_status},
                        {"last_error", state.last_error},
                        {"consecutive_failures", state.consecutive_failures},
                        {"next_due", time_or_null(state.next_due)},
                        {"schedule_reason", state.schedule_reason},
                        {"moved_to", state.moved_to},
                        {"moved_count", state.moved_count},
                        {"gone", state.gone ? 1 : 0},
                        {"encoding_declared", state.encoding_declared},
                        {"encoding_used", state.encoding_used},
                        {"publish_interval", time_or_null(as_time(state.publish_interval))},
                        {"feed_ttl", time_or_null(as_time(state.feed_ttl))},
                        {"skip_hours", state.skip_hours},
                        {"skip_days", state.skip_days},
                        {"fresh_until", time_or_null(state.fresh_until)}});
    }
    if (!m.save_states) {
        auto prepared = Statement::prepare(
            m.db,
            "UPDATE feeds AS f SET etag = v.etag, last_modified = v.last_modified, last_fetch = v.last_fetch, "
            "last_success = v.last_success, last_outcome = v.last_outcome, http_status = v.http_status, "
            "last_error = v.last_error, consecutive_failures = v.consecutive_failures, next_due = v.next_due, "
            "schedule_reason = v.schedule_reason, moved_to = v.moved_to, moved_count = v.moved_count, gone = v.gone, "
            "encoding_declared = v.encoding_declared, encoding_used = v.encoding_used, "
            "publish_interval = v.publish_interval, feed_ttl = v.feed_ttl, skip_hours = v.skip_hours, "
            "skip_days = v.skip_days, fresh_until = v.fresh_until, "
            "lease_owner = CASE WHEN f.lease_owner = ?2 THEN '' ELSE f.lease_owner END, "
            "lease_until = CASE WHEN f.lease_owner = ?2 THEN NULL ELSE f.lease_until END "
            "FROM json_to_recordset(?1::json) AS v(name text, etag text, last_modified text, last_fetch bigint, "
            "last_success bigint, last_outcome text, http_status bigint, last_error text, consecutive_failures bigint, "
            "next_due bigint, schedule_reason text, moved_to text, moved_count bigint, gone bigint, "
            "encoding_declared text, encoding_used text, publish_interval bigint, feed_ttl bigint, skip_hours bigint, "
            "skip_days bigint, fresh_until bigint) WHERE f.name = v.name RETURNING f.name",
            "save feed states");
        if (!prepared) {
            for (const FeedState& state : states)
                results.push_back(failed_in("save state of feed " + state.name)(prepared.error()));
            return results;
        }
        m.save_states.emplace(std::move(*prepared));
    }
    Statement& s = *m.save_states;
    auto use = s.use();
    s.bind(1, rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).bind(2, m.daemon);
    std::set<std::string, std::less<>> saved;
    for (;;) {
        auto row = s.step();
        if (!row) {
            for (const FeedState& state : states)
                results.push_back(failed_in("save state of feed " + state.name)(row.error()));
            return results;
        }
        if (!*row) break;
        saved.insert(s.column_text(0));
    }
    for (const FeedState& state : states) {
        if (saved.contains(state.name))
            results.emplace_back();
        else
            results.push_back(no_feed(state.name));
    }
    return results;
}

std::vector<Result<void>> FeedStore::save_feed_states(std::span<const FeedState> states) {
    if (impl_->db.dialect() == Dialect::postgresql && !impl_->batch) return save_feed_states_at_once(states);
    // One transaction for all: a round of 304s writes a row per feed, and a commit per row cost
    // more than the rest of the round. A row that cannot be written (a feed removed meanwhile) is
    // that feed's error alone; a failed commit is everyone's.
    std::vector<Result<void>> results;
    results.reserve(states.size());
    auto tx = Transaction::begin(impl_->db);
    if (!tx) {
        for (const FeedState& state : states)
            results.push_back(failed_in("save state of feed " + state.name)(tx.error()));
        return results;
    }
    for (const FeedState& state : states) {
        auto saved = impl_->save_state(state);
        if (!saved) {
            results.push_back(failed_in("save state of feed " + state.name)(saved.error()));
        } else if (!*saved) {
            results.push_back(no_feed(state.name));
        } else {
            results.emplace_back();
        }
    }
    if (auto r = tx->commit(); !r) {
        for (std::size_t k = 0; k < states.size(); ++k)
            if (results[k]) results[k] = failed_in("save state of feed " + states[k].name)(r.error());
    }
    return results;
}

Result<void> FeedStore::save_feed_state(const FeedState& state) {
    // Its own transaction, not autocommit: SQLite would commit when the statement is
    // reset, where the commit's error has no caller to go to.
    const auto failed = failed_in("save state of feed " + state.name);
    auto tx = Transaction::begin(impl_->db);
    if (!tx) return failed(tx.error());
    auto saved = impl_->save_state(state);
    if (!saved) return failed(saved.error());
    if (!*saved) return no_feed(state.name);
    if (auto r = tx->commit(); !r) return failed(r.error());
    return {};
}

namespace {

// StoryMatcher as a StoryIndex, for one ingest: each match offers the stories in the item's
// window as one list, and an answer that is not among them is remembered as stray.
class ScanningIndex final : public StoryIndex {
public:
    explicit ScanningIndex(const StoryMatcher& match) : match_(match) {}

    void add_candidate(const StoryCandidate& story) {
        stories_.push_back(story);
        if (!story.published) return;
        earliest_ = earliest_ ? std::min(*earliest_, *story.published) : *story.published;
        latest_ = latest_ ? std::max(*latest_, *story.published) : *story.published;
    }
    bool add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime /*arrived*/) override {
        add_candidate(StoryCandidate{.story_id = story_id,
                                     .canonical_url = keys.canonical_url,
                                     .fingerprint = keys.fingerprint,
                                     .published = time});
        return true;
    }
    void remove(std::int64_t story_id) override {
        std::erase_if(stories_, [story_id](const StoryCandidate& story) { return story.story_id == story_id; });
    }
    std::size_t expire(SysTime /*arrived_before*/) override { return 0; }
    std::size_t size() const override { return stories_.size(); }
    std::string features_of(const ParsedItem& /*item*/) const override { return {}; }

    std::optional<StoryMatch> match(const ItemKeys& keys, const ParsedItem& item, SysTime time,
                                    Seconds window) const override {
        const SysTime earliest = time - window;
        const SysTime latest = time + window;
        // Usually every story lies in the item's window (a poll's items are hours apart, the
        // window is days): then they are offered as they are, not copied for each item.
        std::span<const StoryCandidate> offered = stories_;
        if (earliest_ && (*earliest_ < earliest || *latest_ > latest)) {
            in_window_.clear();
            for (const StoryCandidate& story : stories_)
                if (!story.published || (*story.published >= earliest && *story.published <= latest))
                    in_window_.push_back(story);
            offered = in_window_;
        }
        const std::optional<std::int64_t> chosen = match_(keys, item, offered);
        if (!chosen) return std::nullopt;
        if (std::none_of(offered.begin(), offered.end(),
                         [&](const StoryCandidate& story) { return story.story_id == *chosen; }))
            stray_ = *chosen;
        return StoryMatch{.story_id = *chosen, .reason = "matcher"};
    }
    std::optional<std::int64_t> stray() const { return stray_; }

private:
    const StoryMatcher& match_;
    std::vector<StoryCandidate> stories_;
    mutable std::vector<StoryCandidate> in_window_;
    mutable std::optional<std::int64_t> stray_;
    std::optional<SysTime> earliest_;  // of the dated stories
    std::optional<SysTime> latest_;
};

// Stories an ingest added to the daemon's index: taken back out unless the ingest commits,
// since their rows are rolled back (and SQLite may give their ids to the next ones).
class IndexAdditions {
public:
    explicit IndexAdditions(StoryIndex& index) : index_(index) {}
    IndexAdditions(const IndexAdditions&) = delete;
    IndexAdditions& operator=(const IndexAdditions&) = delete;
    ~IndexAdditions() {
        if (!kept_)
            for (const std::int64_t id : added_) index_.remove(id);
    }
    void add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) {
        if (index_.add(story_id, keys, time, arrived)) added_.push_back(story_id);
    }
    void keep() { kept_ = true; }

private:
    StoryIndex& index_;
    std::vector<std::int64_t> added_;
    bool kept_ = false;
};

}  // namespace

Result<IngestResult> FeedStore::ingest(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                       const StoryMatcher& match, SysTime now, Seconds story_window) {
    if (!match) {
        // No matcher: every new item is a new story unless its URL is known.
        ScanningIndex none([](const ItemKeys&, const ParsedItem&,
                              std::span<const StoryCandidate>) -> std::optional<std::int64_t> { return std::nullopt; });
        return ingest_with(state, feed, keys, none, {}, now, story_window);
    }
    ScanningIndex index(match);
    // Every story any item of this document may be matched with, loaded once.
    if (!feed.items.empty()) {
        SysTime lo = story_time(feed.items.front(), now);
        SysTime hi = lo;
        for (const ParsedItem& item : feed.items) {
            lo = std::min(lo, story_time(item, now));
            hi = std::max(hi, story_time(item, now));
        }
        auto loaded = impl_->recent_stories(lo - story_window, hi + story_window);
        if (!loaded) return failed_in("ingest " + state.name)(loaded.error());
        for (const StoryCandidate& story : *loaded) index.add_candidate(story);
    }
    return ingest_with(
        state, feed, keys, index, [&index] { return index.stray(); }, now, story_window);
}

Result<IngestResult> FeedStore::ingest(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                       StoryIndex& index, SysTime now, Seconds story_window) {
    return ingest_with(state, feed, keys, index, {}, now, story_window);
}

Result<std::vector<bool>> FeedStore::new_or_changed(std::string_view feed_name, std::span<const ItemKeys> keys) {
    Impl& m = *impl_;
    const auto failed = failed_in("read the items of " + std::string(feed_name));
    auto feed_row = m.feed_id(std::string(feed_name));
    if (!feed_row) return failed(feed_row.error());
    if (!*feed_row) return no_feed(feed_name);
    auto known = m.find_items(**feed_row, keys);
    if (!known) return failed(known.error());
    std::vector<bool> out;
    out.reserve(keys.size());
    for (const ItemKeys& key : keys) {
        const auto it = known->find(key.item_key);
        out.push_back(it == known->end() || it->second.content_hash != key.content_hash);
    }
    return out;
}

Result<IngestResult> FeedStore::ingest_with(const FeedState& state, const ParsedFeed& feed,
                                            std::span<const ItemKeys> keys, StoryIndex& index, const StrayAnswer& stray,
                                            SysTime now, Seconds story_window) {
    if (impl_->batch && impl_->batch_failed) {
        return fail(ErrorKind::Internal,
                    "store: ingest " + state.name + ": an earlier ingest of this batch failed; abandon the batch");
    }
    auto result = ingest_items(state, feed, keys, index, stray, now, story_window);
    // A failed ingest may leave some of its writes in the batch's transaction.
    if (!result && impl_->batch) impl_->batch_failed = true;
    return result;
}

Result<IngestResult> FeedStore::ingest_items(const FeedState& state, const ParsedFeed& feed,
                                             std::span<const ItemKeys> keys, StoryIndex& index,
                                             const StrayAnswer& stray, SysTime now, Seconds story_window) {
    Impl& m = *impl_;
    // A new or changed item's keys with its story features, which a worker computes for the
    // items new_or_changed() named; one that became new since (retention removed it
    // meanwhile) gets them here.
    ItemKeys completed;
    const auto with_features = [&](const ItemKeys& key, const ParsedItem& item) -> const ItemKeys& {
        if (!key.features.empty()) return key;
        completed = key;
        completed.features = index.features_of(item);
        return completed;
    };
    if (keys.size() != feed.items.size()) {
        return fail(ErrorKind::Internal, "store: ingest " + state.name + ": " + std::to_string(keys.size()) +
                                             " keys for " + std::to_string(feed.items.size()) + " items");
    }
    const auto failed = failed_in("ingest " + state.name);
    // In a batch, the batch's transaction; else one of its own. Not a savepoint per document in
    // a batch: SQLite then journals every page each statement first changes inside it, and
    // truncating that journal walked it from its start at each statement's end (7.7% of a cold
    // 10,000-feed cycle's CPU, in that one loop). A batch in which an ingest failed keeps none
    // (commit_batch).
    std::optional<Transaction> own;
    if (!m.batch) {
        auto begun = Transaction::begin(m.db);
        if (!begun) return failed(begun.error());
        own.emplace(std::move(*begun));
    }
    if (m.shared)
        if (auto r = m.catch_up(index, now - story_window); !r) return failed(r.error());
    auto feed_row = m.feed_id(state.name);
    if (!feed_row) return failed(feed_row.error());
    if (!*feed_row) return no_feed(state.name);
    const std::int64_t feed_id = **feed_row;
    IndexAdditions additions(index);
    // The document's items the feed has stored, by key.
    auto stored = m.find_items(feed_id, keys);
    if (!stored) return failed(stored.error());
    const std::unordered_map<std::string_view, Impl::KnownItem>& known_items = *stored;
    std::vector<std::int64_t> unchanged_ids;  // last_seen = now, in one statement at the end
    // The story of each canonical URL the document names that an item stored already has (the
    // lowest id, as story_by_url answers), then of those this ingest stores.
    std::unordered_map<std::string_view, std::int64_t> story_of_url;
    {
        nlohmann::json urls = nlohmann::json::array();
        std::unordered_set<std::string_view> asked;
        for (const ItemKeys& key : keys)
            if (!key.canonical_url.empty() && asked.insert(key.canonical_url).second) urls.push_back(key.canonical_url);
        if (!urls.empty()) {
            Statement& s = m[Sql::stories_by_urls];
            auto use = s.use();
            s.bind(1, urls.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            std::unordered_map<std::string, std::int64_t> found;
            for (;;) {
                auto row = s.step();
                if (!row) return failed(row.error());
                if (!*row) break;
                if (const std::int64_t story = s.column_int64(1); story != 0) found.emplace(s.column_text(0), story);
            }
            // Keyed by the document's own strings: an URL that is not valid UTF-8 came back
            // replaced, and is not found (its item joins no story by URL; the index still looks).
            for (const std::string_view url : asked)
                if (const auto it = found.find(std::string(url)); it != found.end())
                    story_of_url.emplace(url, it->second);
        }
    }

    IngestResult result;
    std::unordered_set<std::string_view> seen;  // keys of this document: the first wins
    for (std::size_t i = 0; i < feed.items.size(); ++i) {
        const ParsedItem& item = feed.items[i];
        const ItemKeys& identity = keys[i];
        if (!seen.insert(identity.item_key).second) {
            ++result.unchanged_items;
            continue;
        }

        if (const auto found = known_items.find(identity.item_key); found != known_items.end()) {
            const Impl::KnownItem& known = found->second;
            if (known.content_hash != identity.content_hash) {
                const ItemKeys& key = with_features(identity, item);
                auto story_first_seen = m.update_item(known.id, known.story_id, key, item, now);
                if (!story_first_seen) return failed(story_first_seen.error());
                // The story's own text changed: the index compares the new one from now on
                // (a story that has left the window stays out).
                if (*story_first_seen && **story_first_seen >= now - story_window)
                    index.add(known.story_id, key, story_time(item, now), **story_first_seen);
                // Another site's copy changed: its new text may report another story (a site
                // that reuses an address, a live page rewritten for the next event).
                if (!*story_first_seen) {
                    auto moved = m.rematch(known.id, known.story_id, feed_id, key, item, index, now, story_window);
                    if (!moved) return failed(moved.error());
                    if (*moved) result.moves.push_back(std::move(**moved));
                }
                ++result.updated_items;
            } else {
                unchanged_ids.push_back(known.id);
                ++result.unchanged_items;
            }
            continue;
        }

        // A new item: same canonical URL first, then the index, else a new story.
        const ItemKeys& key = with_features(identity, item);
        std::optional<StoryMatch> story;
        if (const auto by_url = story_of_url.find(key.canonical_url); by_url != story_of_url.end())
            story = StoryMatch{.story_id = by_url->second, .reason = "url"};
        if (!story) {
            story = m.index_match(index, key, item, story_time(item, now), story_window);
            if (story && stray && stray()) {
                return fail(ErrorKind::Internal, "store: ingest " + state.name + ": the story matcher picked story " +
                                                     std::to_string(*stray()) +
                                                     ", which was not one of its candidates");
            }
            // A site does not report one event twice under two addresses: two of its own items
            // that merely read alike are two editions of a template (two bulletins, two matchdays).
            if (story && story->by_score) {
                auto own = m.story_has_feed(story->story_id, feed_id);
                if (!own) return failed(own.error());
                if (*own) story.reset();
            }
        }

        if (story) {
            auto inserted = m.insert_item(feed_id, story->story_id, key, item, now, story->reason);
            if (!inserted) return failed(inserted.error());
            if (!identity.canonical_url.empty()) story_of_url.emplace(identity.canonical_url, story->story_id);
            ++result.duplicate_items;
            result.joins.push_back(
                {.link = item.link, .story_id = story->story_id, .reason = std::move(story->reason)});
            continue;
        }
        auto created = m.create_story(feed_id, story_guid(state.name, key.item_key), key, item, now);
        if (!created) return failed(created.error());
        if (!identity.canonical_url.empty()) story_of_url.emplace(identity.canonical_url, *created);
        additions.add(*created, key, story_time(item, now), now);
        ++result.new_items;
    }

    if (!unchanged_ids.empty()) {
        Statement& s = m[Sql::touch_items];
        auto use = s.use();
        if (auto r = s.bind(1, nlohmann::json(unchanged_ids).dump()).bind(2, now).run(); !r) return failed(r.error());
    }
    if (auto r = m.save_state(state); !r || !*r) return r ? no_feed(state.name) : failed(r.error());
    {
        Statement& s = m[Sql::save_feed_meta];
        auto use = s.use();
        if (auto r = s.bind(1, feed_id).bind(2, feed.title).bind(3, feed.link).bind(4, feed.language).run(); !r)
            return failed(r.error());
    }
    auto items = m.feed_items(feed_id);
    if (!items) return failed(items.error());
    result.feed_items = *items;
    if (own)
        if (auto r = own->commit(); !r) return failed(r.error());
    additions.keep();
    return result;
}

Result<FeedStore::StoryIndexLoad> FeedStore::load_story_index(StoryIndex& index, SysTime arrived_since) {
    Impl& m = *impl_;
    const auto failed = failed_in("load the story index");
    StoryIndexLoad load;
    struct Unreadable {
        std::int64_t id;
        SysTime time;
        SysTime arrived;
    };
    std::vector<Unreadable> unreadable;
    // A shared store reads the window under the story lock, and remembers the newest story then:
    // ingests add the ones written after it (Impl::catch_up).
    std::optional<Transaction> tx;
    if (m.shared) {
        auto begun = Transaction::begin(m.db);
        if (!begun) return failed(begun.error());
        tx.emplace(std::move(*begun));
        if (auto r = m.db.exec(Impl::story_lock_sql(), "wait for other daemons' ingests"); !r) return failed(r.error());
        Statement& s = m[Sql::latest_story];
        auto use = s.use();
        auto row = s.step();
        if (!row) return failed(row.error());
        m.last_story_revision = *row ? s.column_int64(0) : 0;
    }
    const std::int64_t page = m.rows_per_page();
    std::int64_t last_id = 0;
    for (std::int64_t rows = page; rows == page;) {
        rows = 0;
        Statement& s = m[Sql::indexed_stories];
        auto use = s.use();
        s.bind(1, arrived_since).bind(2, last_id).bind(3, page);
        ItemKeys keys;
        for (;;) {
            auto row = s.step();
            if (!row) return failed(row.error());
            if (!*row) break;
            ++rows;
            const std::int64_t id = s.column_int64(0);
            last_id = id;
            const SysTime arrived = s.column_time(2).value_or(arrived_since);
            const SysTime time = std::min(s.column_time(1).value_or(arrived), arrived);
            keys.features = s.column_blob(3);
            if (!keys.features.empty() && index.add(id, keys, time, arrived))
                ++load.stories;
            else
                unreadable.push_back({id, time, arrived});
        }
    }
    if (unreadable.empty()) {
        if (tx)
            if (auto r = tx->commit(); !r) return failed(r.error());
        return load;
    }

    // Stories from before schema 4, or from an older extractor: once, from their item's text.
    const bool writable = !m.read_only;
    if (writable && !tx) {
        auto begun = Transaction::begin(m.db);
        if (!begun) return failed(begun.error());
        tx.emplace(std::move(*begun));
    }
    for (const auto& [id, time, arrived] : unreadable) {
        ParsedItem item;
        {
            Statement& s = m[Sql::representative_text];
            auto use = s.use();
            auto row = s.bind(1, id).step();
            if (!row) return failed(row.error());
            if (!*row) continue;  // no item left: retention removes the story
            item.title = s.column_text(0);
            item.link = s.column_text(1);
            item.summary = s.column_text(2);
            item.content = s.column_text(3);
        }
        ItemKeys keys{.item_key = {},
                      .canonical_url = {},
                      .fingerprint = 0,
                      .content_hash = {},
                      .features = index.features_of(item)};
        if (writable) {
            Statement& s = m[Sql::save_story_features];
            auto use = s.use();
            if (auto r = s.bind(1, id).bind_blob(2, keys.features).run(); !r) return failed(r.error());
        }
        if (index.add(id, keys, time, arrived)) {
            ++load.stories;
            ++load.recomputed;
        }
    }
    if (tx)
        if (auto r = tx->commit(); !r) return failed(r.error());
    return load;
}

namespace {

constexpr const char* kItemTraceColumns =
    "SELECT i.id, f.name, s.id, s.guid, i.story_reason, s.first_item_id = i.id, i.title, i.link, i.summary, "
    "i.content, i.published, i.updated, i.first_seen, coalesce(s.published, s.first_seen), s.first_seen "
    "FROM items AS i JOIN stories AS s ON s.id = i.story_id JOIN feeds AS f ON f.id = i.feed_id ";

Result<std::vector<FeedStore::ItemTrace>> read_traces(Statement& s) {
    std::vector<FeedStore::ItemTrace> out;
    for (;;) {
        auto row = s.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return out;
        FeedStore::ItemTrace t;
        t.item_id = s.column_int64(0);
        t.feed_name = s.column_text(1);
        t.story_id = s.column_int64(2);
        t.story_guid = s.column_text(3);
        t.reason = s.column_text(4);
        t.representative = s.column_int64(5) != 0;
        t.item.title = s.column_text(6);
        t.item.link = s.column_text(7);
        t.item.summary = s.column_text(8);
        t.item.content = s.column_text(9);
        t.item.published = s.column_time(10);
        t.item.updated = s.column_time(11);
        t.first_seen = s.column_time(12).value_or(SysTime{});
        t.story_arrived = s.column_time(14).value_or(t.first_seen);
        t.story_time = std::min(s.column_time(13).value_or(t.story_arrived), t.story_arrived);
        out.push_back(std::move(t));
    }
}

}  // namespace

Result<std::vector<FeedStore::ItemTrace>> FeedStore::items_at(std::string_view link, std::string_view canonical_url) {
    auto s =
        Statement::prepare(impl_->db,
                           std::string(kItemTraceColumns) +
                               "WHERE i.link = ?1 OR (?2 <> '' AND i.canonical_url = ?2) ORDER BY i.first_seen, i.id",
                           "find items by link");
    if (!s) return std::unexpected(s.error());
    s->bind(1, link).bind(2, canonical_url);
    return read_traces(*s);
}

Result<std::vector<FeedStore::ItemTrace>> FeedStore::story_items(std::int64_t story_id) {
    auto s = Statement::prepare(impl_->db,
                                std::string(kItemTraceColumns) + "WHERE i.story_id = ?1 ORDER BY i.first_seen, i.id",
                                "read a story's items");
    if (!s) return std::unexpected(s.error());
    s->bind(1, story_id);
    return read_traces(*s);
}

Result<PruneResult> FeedStore::prune(SysTime unseen_since) {
    Impl& m = *impl_;
    const auto failed = failed_in("prune");
    auto tx = Transaction::begin(m.db);
    if (!tx) return failed(tx.error());
    const auto count_rows = [&](Sql id, std::optional<std::int64_t> cutoff) -> Result<std::int64_t> {
        Statement& s = m[id];
        auto use = s.use();
        if (cutoff) s.bind(1, *cutoff);
        std::int64_t rows = 0;
        while (true) {
            auto row = s.step();
            if (!row) return std::unexpected(row.error());
            if (!*row) return rows;
            ++rows;
        }
    };
    PruneResult result;
    std::set<std::int64_t> touched_feeds;
    {
        Statement& s = m[Sql::prune_items];
        auto use = s.use();
        s.bind(1, unseen_since.time_since_epoch().count());
        for (;;) {
            auto row = s.step();
            if (!row) return failed(row.error());
            if (!*row) break;
            touched_feeds.insert(s.column_int64(0));
            ++result.items;
        }
    }
    // What each feed that lost items holds now: the daemon's /status shows it until the feed's
    // next ingest counts again.
    for (const std::int64_t feed : touched_feeds) {
        Statement& s = m[Sql::feed_name];
        auto use = s.use();
        auto row = s.bind(1, feed).step();
        if (!row) return failed(row.error());
        if (!*row) continue;
        auto items = m.feed_items(feed);
        if (!items) return failed(items.error());
        result.feeds.push_back({.name = s.column_text(0), .items_left = *items});
    }
    if (result.items > 0) {
        if (auto r = count_rows(Sql::repoint_stories, std::nullopt); !r) return failed(r.error());
        auto stories = count_rows(Sql::prune_stories, std::nullopt);
        if (!stories) return failed(stories.error());
        result.stories = *stories;
    }
    if (auto r = tx->commit(); !r) return failed(r.error());
    return result;
}

Result<std::vector<MergedItem>> FeedStore::merged_items(std::size_t limit, OutputSpec::Dedup mode,
                                                        std::optional<std::span<const std::string>> feeds) {
    Impl& m = *impl_;
    if (!m.merged) {
        auto reader = detail::MergedFeedReader::prepare(m.db);
        if (!reader) return std::unexpected(reader.error());
        m.merged.emplace(std::move(*reader));
    }
    return m.merged->read(limit, mode, feeds);
}

}  // namespace tributary::store

#include "store/feed_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/text.hpp"
#include "store/instance_lock.hpp"
#include "store/merged_feed.hpp"
#include "store/migrations.hpp"
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
    find_item,
    update_item,
    sync_story,
    touch_item,
    story_by_url,
    recent_stories,
    insert_story,
    set_representative,
    insert_item,
    prune_items,
    repoint_stories,
    prune_stories,
    count_,
};

struct SqlText {
    Sql id;
    const char* what;
    const char* sql;
};

#define TRIBUTARY_FEED_STATE_COLUMNS                                                                    \
    "name, url, etag, last_modified, last_fetch, last_success, last_outcome, http_status, last_error, " \
    "consecutive_failures, next_due, schedule_reason, "                                                 \
    "(SELECT count(*) FROM items WHERE items.feed_id = feeds.id), "                                     \
    "moved_to, moved_count, gone, encoding_declared, encoding_used, publish_interval, feed_ttl, "       \
    "skip_hours, skip_days, fresh_until"

constexpr std::array<SqlText, static_cast<std::size_t>(Sql::count_)> kSql{{
    {Sql::find_feed, "find feed", "SELECT id FROM feeds WHERE name = ?1"},
    {Sql::deactivate_feeds, "deactivate feeds", "UPDATE feeds SET active = 0 WHERE active = 1"},
    {Sql::upsert_feed, "save feed",
     "INSERT INTO feeds (name, url, active, created, priority) VALUES (?1, ?2, ?3, ?4, ?5) "
     "ON CONFLICT (name) DO UPDATE SET url = excluded.url, active = excluded.active, priority = excluded.priority"},
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
     "site_link = CASE WHEN ?3 <> '' THEN ?3 ELSE site_link END WHERE id = ?1"},
    {Sql::find_item, "find item", "SELECT id, content_hash, story_id FROM items WHERE feed_id = ?1 AND item_key = ?2"},
    {Sql::update_item, "update item",
     "UPDATE items SET canonical_url = ?2, fingerprint = ?3, content_hash = ?4, guid = ?5, title = ?6, link = ?7, "
     "author = ?8, summary = ?9, content = ?10, categories = ?11, published = ?12, updated = ?13, last_seen = ?14 "
     "WHERE id = ?1"},
    {Sql::sync_story, "update story",
     "UPDATE stories SET canonical_url = ?3, fingerprint = ?4, published = ?5 "
     "WHERE id = ?1 AND first_item_id = ?2"},
    {Sql::touch_item, "update item", "UPDATE items SET last_seen = ?2 WHERE id = ?1"},
    {Sql::story_by_url, "find story by URL",
     "SELECT story_id FROM items WHERE canonical_url = ?1 AND canonical_url <> '' ORDER BY story_id LIMIT 1"},
    {Sql::recent_stories, "read recent stories",
     "SELECT id, canonical_url, fingerprint, coalesce(published, first_seen) FROM stories "
     "WHERE coalesce(published, first_seen) BETWEEN ?1 AND ?2 ORDER BY id"},
    {Sql::insert_story, "insert story",
     "INSERT INTO stories (guid, canonical_url, fingerprint, published, first_seen) "
     "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"},
    {Sql::set_representative, "insert story", "UPDATE stories SET first_item_id = ?2 WHERE id = ?1"},
    {Sql::insert_item, "insert item",
     "INSERT INTO items (feed_id, item_key, canonical_url, fingerprint, content_hash, story_id, guid, title, link, "
     "author, summary, content, categories, published, updated, first_seen, last_seen) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16) RETURNING id"},
    // Every item an ingest sees gets that ingest's time as last_seen, so a feed's newest
    // last_seen marks the items of its latest document: those stay, however old, since a feed
    // that answers 304 or fails for months still lists them and would bring them back as news.
    {Sql::prune_items, "remove old items",
     "DELETE FROM items WHERE id IN (SELECT i.id FROM (SELECT feed_id, max(last_seen) AS latest FROM items "
     "GROUP BY feed_id) AS f JOIN items AS i ON i.feed_id = f.feed_id AND i.last_seen < min(f.latest, ?1)) "
     "RETURNING id"},
    // A story whose representative was removed is shown through its earliest remaining item.
    {Sql::repoint_stories, "choose representative items",
     "UPDATE stories SET first_item_id = (SELECT id FROM items WHERE items.story_id = stories.id "
     "ORDER BY first_seen, id LIMIT 1) WHERE first_item_id IS NULL"},
    {Sql::prune_stories, "remove empty stories", "DELETE FROM stories WHERE first_item_id IS NULL RETURNING id"},
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
    return nlohmann::json(categories).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

    Impl(Db db_, int version_) : db(std::move(db_)), version(version_) {}

    Statement& operator[](Sql id) { return statements[static_cast<std::size_t>(id)]; }

    static Result<std::unique_ptr<Impl>> make(Db db, int version) {
        auto impl = std::make_unique<Impl>(std::move(db), version);
        impl->statements.reserve(kSql.size());
        for (const SqlText& q : kSql) {
            auto stmt = Statement::prepare(impl->db, q.sql, q.what);
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
        return true;
    }

    struct KnownItem {
        std::int64_t id;
        std::string content_hash;
        std::int64_t story_id;
    };
    Result<std::optional<KnownItem>> find_item(std::int64_t feed, std::string_view item_key) {
        Statement& s = (*this)[Sql::find_item];
        auto use = s.use();
        auto row = s.bind(1, feed).bind(2, item_key).step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return std::nullopt;
        return KnownItem{s.column_int64(0), s.column_text(1), s.column_int64(2)};
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

    Result<std::optional<std::int64_t>> story_by_url(std::string_view canonical_url) {
        if (canonical_url.empty()) return std::nullopt;
        Statement& s = (*this)[Sql::story_by_url];
        auto use = s.use();
        auto row = s.bind(1, canonical_url).step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return std::nullopt;
        return s.column_int64(0);
    }

    Result<std::int64_t> insert_story(const std::string& guid, const ItemKeys& keys, const ParsedItem& item,
                                      SysTime now) {
        Statement& s = (*this)[Sql::insert_story];
        auto use = s.use();
        auto row = s.bind(1, guid)
                       .bind(2, keys.canonical_url)
                       .bind(3, to_db(keys.fingerprint))
                       .bind(4, item.published)
                       .bind(5, now)
                       .step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return db_error("insert story", "no id returned");
        const std::int64_t id = s.column_int64(0);
        if (auto done = s.finish(); !done) return std::unexpected(done.error());
        return id;
    }

    Result<std::int64_t> insert_item(std::int64_t feed, std::int64_t story, const ItemKeys& keys,
                                     const ParsedItem& item, SysTime now) {
        Statement& s = (*this)[Sql::insert_item];
        auto use = s.use();
        auto row = s.bind(1, feed)
                       .bind(2, keys.item_key)
                       .bind(3, keys.canonical_url)
                       .bind(4, to_db(keys.fingerprint))
                       .bind(5, keys.content_hash)
                       .bind(6, story)
                       .bind(7, item.id)
                       .bind(8, item.title)
                       .bind(9, item.link)
                       .bind(10, item.author)
                       .bind(11, item.summary)
                       .bind(12, item.content)
                       .bind(13, categories_to_json(item.categories))
                       .bind(14, item.published)
                       .bind(15, item.updated)
                       .bind(16, now)
                       .step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return db_error("insert item", "no id returned");
        const std::int64_t id = s.column_int64(0);
        if (auto done = s.finish(); !done) return std::unexpected(done.error());
        return id;
    }

    Result<void> update_item(std::int64_t item_id, std::int64_t story, const ItemKeys& keys, const ParsedItem& item,
                             SysTime now) {
        {
            Statement& s = (*this)[Sql::update_item];
            auto use = s.use();
            auto r = s.bind(1, item_id)
                         .bind(2, keys.canonical_url)
                         .bind(3, to_db(keys.fingerprint))
                         .bind(4, keys.content_hash)
                         .bind(5, item.id)
                         .bind(6, item.title)
                         .bind(7, item.link)
                         .bind(8, item.author)
                         .bind(9, item.summary)
                         .bind(10, item.content)
                         .bind(11, categories_to_json(item.categories))
                         .bind(12, item.published)
                         .bind(13, item.updated)
                         .bind(14, now)
                         .run();
            if (!r) return r;
        }
        // A story mirrors its representative item (a no-op for other items).
        Statement& s = (*this)[Sql::sync_story];
        auto use = s.use();
        return s.bind(1, story)
            .bind(2, item_id)
            .bind(3, keys.canonical_url)
            .bind(4, to_db(keys.fingerprint))
            .bind(5, item.published)
            .run();
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
        if (auto r = db->exec("PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000; "
                              "PRAGMA journal_size_limit = 16777216",
                              "configure");
            !r)
            return std::unexpected(r.error());
        auto version = detail::migrate(*db, detail::embedded_migrations());
        if (!version) return std::unexpected(version.error());
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
    auto db = Db::open(file.string(), Db::Mode::read_only);
    if (!db) return std::unexpected(db.error());
    auto identity = identify(file);
    if (!identity) return std::unexpected(identity.error());
    auto setup = [&]() -> Result<std::unique_ptr<Impl>> {
        db->set_busy_timeout(kBusyTimeout);
        auto version = detail::check_version(*db, detail::embedded_migrations());
        if (!version) return std::unexpected(version.error());
        return Impl::make(std::move(*db), *version);
    };
    auto impl = setup();
    if (!impl) return std::unexpected(with_path(file, impl.error()));
    (*impl)->file = file;
    (*impl)->identity = std::move(*identity);
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

Result<void> FeedStore::sync_feeds(std::span<const FeedSpec> feeds, SysTime now) {
    Impl& m = *impl_;
    const auto failed = failed_in("sync feeds");
    auto tx = Transaction::begin(m.db);
    if (!tx) return failed(tx.error());
    {
        Statement& s = m[Sql::deactivate_feeds];
        auto use = s.use();
        if (auto r = s.run(); !r) return failed(r.error());
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

Result<FeedState> FeedStore::feed_state(std::string_view name) {
    Statement& s = (*impl_)[Sql::feed_state];
    auto use = s.use();
    auto row = s.bind(1, name).step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return no_feed(name);
    return read_feed_state(s);
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

// StoryMatcher as a StoryIndex: each match offers the stories in the item's window as one list.
class ScanningIndex final : public StoryIndex {
public:
    explicit ScanningIndex(const StoryMatcher& match) : match_(match) {}

    void add(const StoryCandidate& story) override {
        stories_.push_back(story);
        if (!story.published) return;
        earliest_ = earliest_ ? std::min(*earliest_, *story.published) : *story.published;
        latest_ = latest_ ? std::max(*latest_, *story.published) : *story.published;
    }

    std::optional<std::int64_t> match(const ItemKeys& keys, const ParsedItem& item, SysTime earliest,
                                      SysTime latest) override {
        // Usually every story lies in the item's window (a poll's items are hours apart, the
        // window is days): then they are offered as they are, not copied for each item.
        if (!earliest_ || (*earliest_ >= earliest && *latest_ <= latest)) return match_(keys, item, stories_);
        in_window_.clear();
        for (const StoryCandidate& story : stories_)
            if (!story.published || (*story.published >= earliest && *story.published <= latest))
                in_window_.push_back(story);
        return match_(keys, item, in_window_);
    }

private:
    const StoryMatcher& match_;
    std::vector<StoryCandidate> stories_;
    std::vector<StoryCandidate> in_window_;
    std::optional<SysTime> earliest_;  // of the dated stories
    std::optional<SysTime> latest_;
};

}  // namespace

Result<IngestResult> FeedStore::ingest(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                       const StoryMatcher& match, SysTime now, Seconds story_window,
                                       const ItemPreparer& prepare) {
    StoryIndexFactory make_index;
    if (match) make_index = [&match] { return std::make_unique<ScanningIndex>(match); };
    return ingest(state, feed, keys, make_index, now, story_window, prepare);
}

Result<IngestResult> FeedStore::ingest(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                       const StoryIndexFactory& make_index, SysTime now, Seconds story_window,
                                       const ItemPreparer& prepare) {
    Impl& m = *impl_;
    ParsedItem prepared;
    const auto stored_form = [&](const ParsedItem& item) -> const ParsedItem& {
        if (!prepare) return item;
        prepared = prepare(item);
        return prepared;
    };
    if (keys.size() != feed.items.size()) {
        return fail(ErrorKind::Internal, "store: ingest " + state.name + ": " + std::to_string(keys.size()) +
                                             " keys for " + std::to_string(feed.items.size()) + " items");
    }
    const auto failed = failed_in("ingest " + state.name);
    auto tx = Transaction::begin(m.db);
    if (!tx) return failed(tx.error());
    auto feed_row = m.feed_id(state.name);
    if (!feed_row) return failed(feed_row.error());
    if (!*feed_row) return no_feed(state.name);
    const std::int64_t feed_id = **feed_row;

    // The time an item is placed at for the story window.
    const auto item_time = [now](const ParsedItem& item) { return item.published.value_or(now); };

    // Every story any item of this document may be matched with, loaded once. The times are
    // kept to check that an index answers with one of the stories in the item's window.
    std::unique_ptr<StoryIndex> index = make_index ? make_index() : nullptr;
    std::unordered_map<std::int64_t, std::optional<SysTime>> candidate_times;
    const auto add_candidate = [&](const StoryCandidate& story) {
        candidate_times.emplace(story.story_id, story.published);
        index->add(story);
    };
    if (index && !feed.items.empty()) {
        SysTime lo = item_time(feed.items.front());
        SysTime hi = lo;
        for (const ParsedItem& item : feed.items) {
            lo = std::min(lo, item_time(item));
            hi = std::max(hi, item_time(item));
        }
        auto loaded = m.recent_stories(lo - story_window, hi + story_window);
        if (!loaded) return failed(loaded.error());
        for (const StoryCandidate& story : *loaded) add_candidate(story);
    }

    IngestResult result;
    std::unordered_set<std::string_view> seen;  // keys of this document: the first wins
    for (std::size_t i = 0; i < feed.items.size(); ++i) {
        const ParsedItem& item = feed.items[i];
        const ItemKeys& key = keys[i];
        if (!seen.insert(key.item_key).second) {
            ++result.unchanged_items;
            continue;
        }

        auto known = m.find_item(feed_id, key.item_key);
        if (!known) return failed(known.error());
        if (*known) {
            if ((*known)->content_hash != key.content_hash) {
                if (auto r = m.update_item((*known)->id, (*known)->story_id, key, stored_form(item), now); !r)
                    return failed(r.error());
                ++result.updated_items;
            } else {
                if (auto r = m.run(Sql::touch_item, (*known)->id, now.time_since_epoch().count()); !r)
                    return failed(r.error());
                ++result.unchanged_items;
            }
            continue;
        }

        // A new item: same canonical URL first, then the matcher, else a new story.
        auto story = m.story_by_url(key.canonical_url);
        if (!story) return failed(story.error());
        if (!*story && index) {
            const SysTime t = item_time(item);
            *story = index->match(key, item, t - story_window, t + story_window);
            if (*story) {
                const auto found = candidate_times.find(**story);
                const bool offered =
                    found != candidate_times.end() &&
                    (!found->second || (*found->second >= t - story_window && *found->second <= t + story_window));
                if (!offered) {
                    return fail(ErrorKind::Internal, "store: ingest " + state.name +
                                                         ": the story matcher picked story " + std::to_string(**story) +
                                                         ", which was not one of its candidates");
                }
            }
        }

        if (*story) {
            auto inserted = m.insert_item(feed_id, **story, key, stored_form(item), now);
            if (!inserted) return failed(inserted.error());
            ++result.duplicate_items;
            continue;
        }
        auto created = m.insert_story(story_guid(state.name, key.item_key), key, item, now);
        if (!created) return failed(created.error());
        auto inserted = m.insert_item(feed_id, *created, key, stored_form(item), now);
        if (!inserted) return failed(inserted.error());
        if (auto r = m.run(Sql::set_representative, *created, *inserted); !r) return failed(r.error());
        if (index)
            add_candidate(StoryCandidate{.story_id = *created,
                                         .canonical_url = key.canonical_url,
                                         .fingerprint = key.fingerprint,
                                         .published = item_time(item)});
        ++result.new_items;
    }

    if (auto r = m.save_state(state); !r || !*r) return r ? no_feed(state.name) : failed(r.error());
    {
        Statement& s = m[Sql::save_feed_meta];
        auto use = s.use();
        if (auto r = s.bind(1, feed_id).bind(2, feed.title).bind(3, feed.link).run(); !r) return failed(r.error());
    }
    if (auto r = tx->commit(); !r) return failed(r.error());
    return result;
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
    auto items = count_rows(Sql::prune_items, unseen_since.time_since_epoch().count());
    if (!items) return failed(items.error());
    result.items = *items;
    if (result.items > 0) {
        if (auto r = count_rows(Sql::repoint_stories, std::nullopt); !r) return failed(r.error());
        auto stories = count_rows(Sql::prune_stories, std::nullopt);
        if (!stories) return failed(stories.error());
        result.stories = *stories;
    }
    if (auto r = tx->commit(); !r) return failed(r.error());
    return result;
}

Result<std::vector<MergedItem>> FeedStore::merged_items(std::size_t limit, OutputSpec::Dedup mode) {
    Impl& m = *impl_;
    if (!m.merged) {
        auto reader = detail::MergedFeedReader::prepare(m.db);
        if (!reader) return std::unexpected(reader.error());
        m.merged.emplace(std::move(*reader));
    }
    return m.merged->read(limit, mode);
}

}  // namespace tributary::store

#pragma once
// The store stage: feeds, items and stories in SQLite, or in PostgreSQL (DESIGN.md "Identity and
// duplicates"). One FeedStore is one connection, used by one thread at a time:
// the daemon's single writer, or a reader (`status`, HTTP) opened read-only. Both backends run
// the same code and statements (sqlite.hpp speaks to both); what only a file has (check_file,
// the WAL's checkpoint) does nothing on PostgreSQL.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/story_index.hpp"
#include "core/types.hpp"

namespace tributary::store {

// Picks, for a new item, the existing story it belongs to (nullopt: a new story).
// `recent` holds the stories whose time (published, else first seen; given in
// StoryCandidate::published) lies within the story window of the item's time.
// The answer must be one of `recent`'s story_id values.
using StoryMatcher = std::function<std::optional<std::int64_t>(const ItemKeys& keys, const ParsedItem& item,
                                                               std::span<const StoryCandidate> recent)>;

// What FeedStore::checkpoint() did.
struct CheckpointResult {
    // A reader's open transaction kept the checkpoint from copying every frame
    // and resetting the WAL; the WAL keeps growing while that reader lasts.
    bool busy = false;
    std::int64_t log_frames = 0;           // frames in the WAL when it began
    std::int64_t checkpointed_frames = 0;  // of those, now in the database file
    std::uintmax_t wal_bytes = 0;          // size of "<database>-wal" afterwards (0: none)
};

// A WAL this large after a checkpoint means a reader has blocked checkpoints for a
// long time: worth a warning.
inline constexpr std::uintmax_t kWalWarningBytes = std::uintmax_t{64} << 20;

struct PruneResult {
    std::int64_t items = 0;    // removed
    std::int64_t stories = 0;  // removed: none of their items was left
    struct Feed {
        std::string name;
        std::int64_t items_left = 0;
    };
    std::vector<Feed> feeds;  // the feeds that lost items, by name, with the items they keep
};

// A PostgreSQL database to keep the store in (database = postgresql://… in the config).
struct PostgresqlDatabase {
    std::string conninfo;  // as libpq reads it: a postgresql:// URI or "key=value …"
    std::string password;  // apart from conninfo; empty: libpq's own ways (~/.pgpass, PGPASSWORD)
    std::string shown_as;  // what messages and logs call it: the URL, which holds no password
    // Several daemons write to it (each polling its own feeds). Then no daemon takes the instance
    // lock, and each ingest decides its items' stories under one advisory lock of the database,
    // after giving its index the stories the others wrote since it last looked (new ones, and
    // those whose representative's text changed, by their revision): an item
    // meets every story committed before it, whichever daemon saw that story first, and two
    // daemons ingesting two copies at one moment make one story. Otherwise one daemon alone.
    bool shared = false;
    // Who this daemon is, in its leases (shared only): its host and pid, for `status`.
    std::string daemon;
};

// A due feed a daemon asks to lease, and the host its URL names (schedule::host_of).
struct FeedToLease {
    std::string name;
    std::string host;
};

// What lease_feeds() did.
struct FeedLeases {
    std::vector<FeedState> leased;  // now this daemon's to poll, as the database holds them
    struct Refused {
        std::string name;
        std::optional<SysTime> next_due;     // the database's: another daemon polled it meanwhile
        std::string lease_owner;             // "" unless another daemon holds it (or its host) …
        std::optional<SysTime> lease_until;  // … until then
        bool host_leased = false;            // lease_owner holds the feed's host, not the feed
    };
    std::vector<Refused> refused;  // the other names asked for that are active feeds
    struct HostHold {
        std::string host;
        SysTime until{};
        std::string feed;  // whose answer asked for it
    };
    std::vector<HostHold> holds;  // the Retry-After holds in force, whichever daemon was asked
};

// A connection of its own to a FeedStore's SQLite file that copies the WAL back into the
// database (FeedStore::hand_checkpoints_over), on a thread other than the writer's.
class WalCheckpointer {
public:
    WalCheckpointer(WalCheckpointer&&) noexcept;
    WalCheckpointer& operator=(WalCheckpointer&&) noexcept;
    ~WalCheckpointer();

    // One PASSIVE checkpoint: copies what no reader still needs, syncs the WAL before and the
    // database after, and waits for nobody. Errors: "store: checkpoint <file>: <sqlite message>".
    Result<void> run();

private:
    friend class FeedStore;
    struct Impl;
    explicit WalCheckpointer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The WAL's size, in frames, at which a store that handed its checkpoints over asks for one,
// and at which its writer checkpoints itself (see Db::hand_checkpoints_over): 4 MiB, as
// SQLite's own autocheckpoint, and 16 MiB.
inline constexpr int kCheckpointRequestFrames = 1000;
inline constexpr int kWriterCheckpointFrames = 4000;

class FeedStore {
public:
    // The daemon's writer. The parent directory must exist. Takes the instance
    // lock "<file>.lock" (see instance_lock.hpp) and holds it while the store
    // lives; fails with "store: <file> is in use by another tributary (pid N)"
    // when another process holds it. Then WAL, synchronous=NORMAL, foreign_keys=ON,
    // busy_timeout 5000 ms, journal_size_limit 16 MiB, wal_autocheckpoint 1000
    // pages (until hand_checkpoints_over()), and every pending migration.
    static Result<FeedStore> open(const std::filesystem::path& file);
    // For `status` and readers: no instance lock, no migrations; refuses a
    // database that is not exactly at this build's schema version. Works for a user
    // who may read the database but not write its directory (Db::open_for_reading).
    static Result<FeedStore> open_read_only(const std::filesystem::path& file);
    // Migrated, private to this object: for tests.
    static Result<FeedStore> open_in_memory();
    // The daemon's writer on PostgreSQL. Takes a session advisory lock keyed by the database and
    // schema, held while the store lives: until feeds are leased, a second daemon on the same
    // tables is refused ("store: <shown_as>: in use by another tributary …"). Then every pending
    // migration of schema/postgresql/, each in a transaction under another advisory lock
    // (migrations.hpp). Errors: "store: connect to <shown_as>: <libpq message>", "store:
    // <shown_as>: <what>: <server message>".
    static Result<FeedStore> open_postgresql(const PostgresqlDatabase& database);
    // For `status` and readers: read-only transactions, no lock, no migrations; the schema must
    // be exactly this build's.
    static Result<FeedStore> open_postgresql_read_only(const PostgresqlDatabase& database);
    // For `check`: connects, writes nothing, and says what the daemon would find:
    // "PostgreSQL 15.18, schema version 1 (this build's)", "…, no tables yet (created at start)",
    // "…, schema version 1 (migrated to 2 at start)". Errors: the connection's, or a schema newer
    // than this build knows.
    static Result<std::string> describe_postgresql(const PostgresqlDatabase& database);

    FeedStore(FeedStore&&) noexcept;
    FeedStore& operator=(FeedStore&&) noexcept;
    ~FeedStore();

    int schema_version() const;

    // Whether the database file is still the one opened: one stat() of its path,
    // compared (device, inode) with the file at open. SQLite keeps writing to an
    // open file that was deleted or replaced, and so would lose every later
    // write without an error. Always succeeds for an in-memory store. Errors:
    //   ErrorKind::DbLost "store: the database <file> was deleted while the daemon ran"
    //   ErrorKind::DbLost "store: the database <file> was replaced by another file"
    //   ErrorKind::Db     "store: check the database <file>: <strerror>"
    Result<void> check_file() const;

    // Several ingests in one transaction: begin_batch(), ingest()…, commit_batch(). A commit
    // writes every page its transaction changed to the WAL, so with a document per commit a cold
    // cycle wrote each page of the database about six times. An ingest that fails in a batch may
    // leave some of its writes there, so the batch is lost: later ingests in it fail, and so does
    // its commit; the caller ingests each document again without a batch, where a failure costs
    // its own document only. A batch that is abandoned, or whose commit fails, keeps none of its
    // ingests, but the stories they added to the index stay there: the caller must load its
    // index again. Errors: "store: begin a batch of ingests: …", "store: commit a batch of
    // ingests: <sqlite message>", "store: commit a batch of ingests: one of them failed, so the
    // batch keeps none of them".
    Result<void> begin_batch();
    Result<void> commit_batch();
    void abandon_batch();

    // Copies the WAL into the database and resets it to zero bytes, without
    // waiting for readers: busy when one blocks it (try again next time).
    // In-memory: all zeros. Errors: "store: checkpoint: <sqlite message>".
    Result<CheckpointResult> checkpoint();
    // The daemon's writer no longer waits for the WAL's checkpoints (and their fdatasync): a
    // commit that leaves kCheckpointRequestFrames or more in the WAL calls `request` on the
    // committing thread, which must not block, and the caller runs the returned checkpointer on
    // a thread of its own. The writer still checkpoints itself at kWriterCheckpointFrames, so
    // the WAL starts over instead of growing under a steady stream of commits. A store that is
    // not a SQLite file (PostgreSQL, in memory, read-only) returns nullopt and is unchanged.
    // Errors: "store: open <file>: <sqlite message>".
    Result<std::optional<WalCheckpointer>> hand_checkpoints_over(std::function<void()> request);

    // Makes the feeds table match the config: inserts new names, updates a
    // changed url and priority (keeping state and items), marks names absent from `feeds`
    // (or with enabled=false) inactive (their items stay and still appear in
    // the merged feed until retention), reactivates names that come back.
    // Errors: "store: sync feeds: <what>: <sqlite message>".
    Result<void> sync_feeds(std::span<const FeedSpec> feeds, SysTime now);
    // Active feeds, ordered by name, item_count filled.
    Result<std::vector<FeedState>> feed_states();

    // Shared stores: leases to this daemon, until `until`, the hosts of `feeds` that no other
    // daemon holds (a lease that expired, its holder dead, is taken over; this daemon's own are
    // renewed), then those of `feeds` on these hosts that are due (never polled, or next due at or
    // before `now`) and that no other daemon holds. Feeds another daemon is leasing at this moment
    // are skipped, not waited for (SKIP LOCKED). A host polled by one daemon at a time is polled
    // within that daemon's max_per_host and min_host_spacing: three daemons are as polite as one.
    // Saving a leased feed's state (save_feed_state, ingest) ends its lease; release_host() ends
    // the host's. Errors: "store: lease feeds: …"; Error(Internal) on a store that is not shared.
    Result<FeedLeases> lease_feeds(std::span<const FeedToLease> feeds, SysTime now, SysTime until);
    // Shared stores: this daemon has none of the host's feeds left in hand; other daemons may poll
    // it from `from` (the end of its min_host_spacing). Nothing happens when another daemon holds
    // it. Errors: "store: release host <host>: …".
    Result<void> release_host(const std::string& host, SysTime from);
    // Shared stores: every daemon leaves `host` alone until `until` (a later hold is kept), as a
    // Retry-After asked; lease_feeds() answers with the holds in force. Errors: "store: hold host
    // <host>: …".
    Result<void> hold_host(const std::string& host, SysTime until, const std::string& feed);
    // Whether this daemon writes the outputs' files: true but for a shared store, which takes a
    // session advisory lock of its database and schema when it can and keeps it while its
    // connection lives, so that one daemon at a time writes them and another takes over when it
    // stops or dies. Errors: "store: lead publishing: …".
    Result<bool> lead_publishing();
    // The leases in force at `now`, by feed name: which daemon polls which feed (`status`). Empty
    // on SQLite, which has one daemon.
    struct Lease {
        std::string owner;
        SysTime until{};
    };
    Result<std::map<std::string, Lease, std::less<>>> leases(SysTime now);
    // The hosts' leases in force at `now`, by host: which daemon polls each host's feeds. Empty
    // on SQLite.
    Result<std::map<std::string, Lease, std::less<>>> host_leases(SysTime now);
    // Any feed, active or not. Error(Db) "store: no feed named …" when absent.
    Result<FeedState> feed_state(std::string_view name);
    // After a 304 or a failure (by name). Writes every field but url (owned by
    // sync_feeds) and item_count (computed), in its own transaction. Errors:
    // "store: no feed named \"<name>\"", "store: save state of feed <name>: <what>:
    // <sqlite message>" (e.g. "…: commit: database or disk is full").
    Result<void> save_feed_state(const FeedState& state);
    // Several feeds' states in one transaction; one result per state, in order.
    std::vector<Result<void>> save_feed_states(std::span<const FeedState> states);

    // Which of a document's items (keys[i] for its item i) are new to the feed or changed since
    // stored: those an ingest will write, and so the only ones worth computing story features
    // for. Reads only. Error: "store: no feed named …".
    Result<std::vector<bool>> new_or_changed(std::string_view feed_name, std::span<const ItemKeys> keys);

    // One transaction: upserts every item of `feed` for state.name, assigns
    // stories, saves `state` (and the feed's title/link from `feed`), commits.
    // keys[i] belongs to feed.items[i]. Items are stored as given (the daemon sanitizes their
    // HTML when an output shows them); a new or changed item whose keys lack features gets them
    // from index.features_of().
    // A new item joins the story its canonical URL names, else the one `index` finds for it
    // among the stories within `story_window` of the item's time (its date, else `now`; a date
    // after `now` counts as `now`); else it starts a story, which is added to `index`. The
    // index is the daemon's, loaded once by load_story_index(): an ingest that fails takes its
    // stories back out of it. Errors: "store: no feed named …", "store: ingest <name>: <what>:
    // <sqlite message>" (e.g. "store: ingest alpha: commit: database or disk is full"); a failed
    // ingest keeps nothing.
    Result<IngestResult> ingest(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                StoryIndex& index, SysTime now, Seconds story_window);
    // The same with `match` offered each new item's candidates as a list, read from the stories
    // table for this ingest alone: for tests and tools, whose stores are small.
    Result<IngestResult> ingest(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                const StoryMatcher& match, SysTime now, Seconds story_window);

    // Fills `index` with the stories that arrived (first_seen) at or after `arrived_since`,
    // from their persisted features; a story whose features are missing (stored before schema
    // 4) or unreadable (an older extractor) gets them recomputed from its representative item
    // and written back, in one transaction. Errors: "store: load the story index: <what>:
    // <sqlite message>".
    struct StoryIndexLoad {
        std::size_t stories = 0;
        std::size_t recomputed = 0;
    };
    // A read-only store recomputes without writing back.
    Result<StoryIndexLoad> load_story_index(StoryIndex& index, SysTime arrived_since);

    // An item as `tributary explain-story` shows it: where it is, which story it joined and why.
    struct ItemTrace {
        std::int64_t item_id = 0;
        std::string feed_name;
        std::int64_t story_id = 0;
        std::string story_guid;
        std::string reason;  // items.story_reason: "new story", "url", "score=0.71 …"
        bool representative = false;
        ParsedItem item;  // title, link, summary, content, published, updated
        SysTime first_seen{};
        SysTime story_time{};     // the story's place in the window (its date, else arrival)
        SysTime story_arrived{};  // the story's first_seen
    };
    // Items whose link is `link` or whose canonical URL is `canonical_url`, oldest first.
    Result<std::vector<ItemTrace>> items_at(std::string_view link, std::string_view canonical_url);
    // Every item of a story, oldest first.
    Result<std::vector<ItemTrace>> story_items(std::int64_t story_id);

    // Retention, in one transaction: removes the items last seen before `unseen_since` that
    // are not in their feed's latest document, then the stories left without items; a story
    // that lost its representative item is shown through its earliest remaining one.
    // Errors: "store: prune: <what>: <sqlite message>".
    Result<PruneResult> prune(SysTime unseen_since);

    // The merged feed's newest `limit` entries, newest first by when they were first seen (then by
    // id, newest first). What an entry is depends on `mode`:
    //   story: one per story (ordered by the story's first_seen), under the story's guid;
    //   url:   one per canonical URL of a story (ordered by its earliest item), and one per item
    //          without a URL;
    //   item:  one per stored item.
    // An entry is shown through its representative item: the item of the feed with the highest
    // priority (sync_feeds), the earliest among equals (first_seen, then id). also_reported_by
    // names the story's other feeds (see MergedItem). Guids: see store/merged_feed.hpp.
    // With `feeds` (names, sorted), only the entries those feeds carried, each shown through one
    // of them and naming only them.
    // The cost is that of the entries read, whatever the size of the store; with `feeds`, that of
    // the entries walked past until `limit` are found.
    Result<std::vector<MergedItem>> merged_items(std::size_t limit, OutputSpec::Dedup mode = OutputSpec::Dedup::story,
                                                 std::optional<std::span<const std::string>> feeds = std::nullopt);

private:
    std::vector<Result<void>> save_feed_states_at_once(std::span<const FeedState> states);
    // A test matcher's answer that was not among the stories it was offered.
    using StrayAnswer = std::function<std::optional<std::int64_t>()>;
    Result<IngestResult> ingest_with(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                     StoryIndex& index, const StrayAnswer& stray, SysTime now, Seconds story_window);
    Result<IngestResult> ingest_items(const FeedState& state, const ParsedFeed& feed, std::span<const ItemKeys> keys,
                                      StoryIndex& index, const StrayAnswer& stray, SysTime now, Seconds story_window);

    struct Impl;
    explicit FeedStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::store

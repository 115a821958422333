#pragma once
// The running daemon: owns the loop's pieces (timers, fetcher, HTTP server,
// signals), the worker pool and the single database writer, and is the only
// code that knows the order of the pipeline:
//     schedule → fetch → parse → dedup → store → publish
//
// Threads (DESIGN.md "Threads"): every member function runs on the loop thread
// (the thread calling io.run()). Parsing and key computation run on
// `workers_`; every SQLite call, rendering and the file write run on `db_`
// (one thread: the single writer). Results come back to the loop with
// asio::post, so the loop never blocks and no state is shared.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>

#include "app/entry_html.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/story_index.hpp"
#include "core/types.hpp"
#include "publish/metrics.hpp"
#include "schedule/schedule.hpp"

namespace tributary::fetch {
class Fetcher;
}
namespace tributary::publish {
class HttpServer;
struct Snapshot;
class HubPinger;
class RenderCache;
}  // namespace tributary::publish
namespace tributary::store {
class FeedStore;
class WalCheckpointer;
struct PruneResult;
}  // namespace tributary::store

namespace tributary::app {

// How far apart in time two items of one story may be, and how long a story stays in the story
// index after it arrived: a wire story is republished within hours, rarely after three days.
inline constexpr Seconds kStoryWindow = std::chrono::hours{72};

// A feed's basic-auth password, read from its password_file or password_env
// off the loop thread; `error` says why it could not be read.
struct Credentials {
    std::string password;
    std::string error;
};
Credentials read_credentials(const FeedSpec& spec);
// A password from an environment variable (if `env` is set) or the first line of a file (if
// `file` is); `key_prefix` names the config keys in errors ("password" or "database_password").
Credentials read_password(const std::string& env, const std::string& file, std::string_view key_prefix);

// The store as messages name it: its file, or its postgresql:// URL (which holds no password).
std::string database_shown(const DaemonSettings& settings);
// The config's store, on the file or on PostgreSQL with its password read. Errors: the store's,
// or "config: cannot read database_password_file …" / "config: database_password_env … is not set".
enum class StoreAccess { writer, reader };
// For `check`, on PostgreSQL: what the daemon would find there (FeedStore::describe_postgresql).
Result<std::string> describe_database(const DaemonSettings& settings);
Result<std::unique_ptr<store::FeedStore>> open_store(const DaemonSettings& settings, StoreAccess access);

enum class Mode {
    service,  // `run`: poll on schedule until SIGTERM/SIGINT, serve HTTP, reload on SIGHUP
    once,     // `once`: poll every enabled feed, publish, exit
};

class Daemon {
public:
    Daemon(boost::asio::io_context& io, Config config, Mode mode, const Clock& clock);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Start-up, before io.run(): opens and migrates the database, syncs the
    // feeds table with the config, listens (service mode), schedules. Returns
    // the reason when the daemon cannot work at all.
    Result<void> start();
    // SIGTERM/SIGINT: stop taking work, cancel transfers, let running
    // parses and the running write transaction finish, then let io.run() return.
    void stop();
    // SIGHUP: re-read the config file; a broken one is logged and ignored.
    void reload();
    // After io.run() returned: waits for the worker and database threads.
    void join();

    std::uint16_t http_port() const;
    // The daemon stopped because it could not go on (its database file was
    // deleted or replaced): the process must exit with an error, so that
    // systemd restarts it and the operator sees why.
    bool failed() const { return failed_; }

private:
    // A write found the database file gone or replaced: log it once, stop.
    void on_store_lost(const Error& error);
    // On db_, after a commit that left a long WAL: one checkpoint on wal_, unless one is queued.
    void request_checkpoint();
    // After a round: is the file still ours, and copy the WAL into it.
    void maintain_store();
    // On db_: reads the story index from the store unless it is already held.
    Result<void> story_index(SysTime now);
    struct FeedRuntime;
    struct RoundStats;

    void install_signals();
    void wait_for_signal();
    void arm_wake_timer();
    std::size_t admission_room() const;  // how many more feeds may start now
    void arm_watchdog();
    void on_wake();
    void poll(const std::string& name);
    // share_database: leases the due feeds of `names` on db_, polls those leased (with the state
    // the database holds: another daemon may have polled them last), and puts the others back in
    // the schedule at the time the database gives (their lease's end, or their next due time).
    void lease_and_poll(std::vector<std::string> names);
    // share_database: one attempt on the host ended; the last one gives the host's lease back.
    void hand_back_host(const std::string& host);
    // A feed given back without being polled (leased elsewhere, or a failed lease).
    void unpolled(const std::string& name, std::optional<SysTime> retry_at);
    // The end of every attempt, counted or not: frees its place and ends the round when it was
    // the last.
    void end_attempt(const std::string& name);
    FetchRequest make_request(const FeedRuntime& feed) const;
    void on_fetched(const std::string& name, FetchResult result);
    void on_ingested(const std::string& name, FeedState state, Result<IngestResult> result, std::size_t items,
                     std::vector<std::string> warnings, std::chrono::milliseconds fetch_elapsed);
    void note_redirect(const std::string& name, FeedState& state, const FetchResult& result);
    void mark_gone(const std::string& name, FeedState state, const FetchResult& result);
    void record_failure(const std::string& name, FeedState state, std::string outcome, std::string error,
                        std::optional<Seconds> retry_after);
    void finish_attempt(const std::string& name);
    // Queues the state; the states queued while the database thread is busy are written
    // together, in one transaction (save_queued_states), and each attempt then finishes.
    // A parsed document and its items' keys (identity only until prepared).
    struct Document {
        ParsedFeed feed;
        std::vector<ItemKeys> keys;
    };
    // What on_ingested() logs about the fetch and parse.
    struct IngestNote {
        std::size_t items = 0;
        std::vector<std::string> warnings;
        std::chrono::milliseconds elapsed{0};
    };
    void prepare_and_ingest(const std::string& name, FeedState state, Document document, IngestNote note);
    // Queues the document for the database thread, which ingests the documents queued while it
    // was busy together (run_ingests): one transaction, or one each when an ingest in it failed.
    void ingest(const std::string& name, FeedState state, Document document, IngestNote note);
    // On db_: ingests a batch of the documents waiting, then queues itself again while any wait.
    void run_ingests();
    struct IngestDone;
    struct ReadyIngest;
    std::vector<IngestDone> ingest_batch(std::vector<ReadyIngest> batch);
    void save_state(FeedState state);
    void save_queued_states();
    void apply_config(Config fresh, std::map<std::string, Credentials, std::less<>> credentials);
    // The HTTP endpoint for `settings` (not started yet).
    std::unique_ptr<publish::HttpServer> make_http_server(const DaemonSettings& settings) const;
    // Reload: listens on the new address, carries every snapshot over, then closes the old one.
    // Returns "" when the new address serves, else why it cannot (the old one keeps serving).
    std::string rebind(const DaemonSettings& settings);
    // Publishes `snapshot` at `url` and remembers it, so that a rebind can serve it at once.
    void serve(std::string url, std::shared_ptr<const publish::Snapshot> snapshot);
    void schedule_at_startup(const FeedState& state, bool spread);
    void request_publish();
    void arm_shared_publish();
    // /metrics and the status pages, from the loop's own state: copied here, rendered and
    // compressed on a worker (10,000 feeds took the loop 0.2-0.4 s), served when back. Called when
    // a client asks for one of them (declare_pages): nobody asking, nothing is rendered.
    void render_pages();
    void declare_pages(publish::HttpServer& server);
    // Retention (config: retention): at start-up, then every kPruneEvery from the wake timer.
    void maybe_prune(SysTime now);
    void report_prune(const Result<store::PruneResult>& pruned);
    void maybe_finish();
    void reschedule(const std::string& name, SysTime due);
    void note_host_hold(FeedRuntime& feed, const std::string& host, SysTime until);
    std::size_t active_feeds() const;  // feeds of the config in force (not those a reload removed)
    std::optional<Seconds> interval_of(const std::string& name) const;
    // Runs the schedule policy for the attempt just made; writes next_due and
    // its reason into `state`.
    schedule::Decision plan_next(const std::string& name, FeedState& state, schedule::AttemptKind kind,
                                 std::optional<Seconds> retry_after);
    double jitter_unit();
    std::string self_url(std::string_view path) const;  // on the listen address, for the log

    // Runs `work` on a pool thread and `done(result)` back on the loop.
    template <class Work, class Done>
    void on_pool(boost::asio::thread_pool& pool, Work work, Done done);

    boost::asio::io_context& io_;
    Config config_;
    Mode mode_;
    const Clock& clock_;
    bool stopping_ = false;
    bool failed_ = false;
    bool maintenance_running_ = false;

    std::unique_ptr<store::FeedStore> store_;  // used on db_ only
    // Copies the WAL into the database on wal_, so that the database thread never waits for a
    // checkpoint's fdatasync (store::FeedStore::hand_checkpoints_over). Without it (a cold
    // cycle with SQLite's own autocheckpoint) the database thread spent 17% of a 10,000-feed
    // cycle in fdatasync. Set at start-up, before db_ has work; none on PostgreSQL.
    std::unique_ptr<store::WalCheckpointer> checkpointer_;
    std::atomic<bool> checkpoint_requested_{false};  // one checkpoint queued or running at a time
    // share_database: a second connection, which leases feeds on leases_ without waiting behind
    // the ingests of db_ (which wait their turn for the database's story lock).
    std::unique_ptr<store::FeedStore> lease_store_;
    std::unique_ptr<StoryIndex> story_index_;  // the story engine, read at the first ingest; used on db_ only
    std::unique_ptr<fetch::Fetcher> fetcher_;
    std::unique_ptr<publish::HttpServer> http_;
    std::map<std::string, std::shared_ptr<const publish::Snapshot>, std::less<>> served_;  // what http_ serves
    std::unique_ptr<publish::HubPinger> hub_pinger_;  // WebSub pings (service mode), loop thread
    // What each output last published, and the sanitized HTML of the entries they show: used by
    // one publish at a time (on a worker).
    std::unique_ptr<publish::RenderCache> render_cache_;
    std::unique_ptr<EntryHtml> entry_html_;
    boost::asio::steady_timer wake_timer_;
    boost::asio::steady_timer shared_publish_timer_;  // share_database, service mode: arm_shared_publish()
    boost::asio::steady_timer publish_gap_timer_;     // service mode: kMinPublishGap between publications
    // share_database: attempts in hand per host, whose lease this daemon keeps while any runs.
    std::unordered_map<std::string, int> hosts_in_hand_;
    publish::SharingGauges sharing_;
    bool writes_outputs_ = true;                // share_database: this daemon holds the publishing lock
    boost::asio::steady_timer watchdog_timer_;  // WATCHDOG=1 from the loop thread, when systemd asks for it
    std::chrono::microseconds watchdog_period_{0};
    boost::asio::signal_set signals_;

    std::map<std::string, FeedRuntime, std::less<>> feeds_;
    schedule::DueQueue due_;
    schedule::HostHolds holds_;
    std::unique_ptr<RoundStats> round_;
    std::vector<FeedState> queued_states_;
    bool states_being_saved_ = false;
    int in_flight_ = 0;  // feeds between fetch and their final state write
    // Documents waiting for the database thread, and whether a batch of them is being ingested.
    struct ReadyIngest {
        std::string name;
        FeedState state;
        Document document;
        IngestNote note;
        SysTime now;
    };
    std::mutex ready_mutex_;  // the loop adds to ready_ingests_, db_ takes from it
    std::vector<ReadyIngest> ready_ingests_;
    bool ingest_running_ = false;  // a run_ingests() is queued or running on db_
    bool publish_running_ = false;
    bool publish_again_ = false;
    bool publish_waiting_ = false;  // a publication waits for publish_gap_timer_
    std::chrono::steady_clock::time_point last_publish_started_{};
    bool pages_rendering_ = false;
    bool changed_since_publish_ = false;
    bool prune_running_ = false;
    publish::Metrics metrics_;  // what /metrics shows; updated on the loop thread
    SysTime next_prune_{};
    std::mt19937_64 random_{std::random_device{}()};

    // Declared last: destroyed (stopped and joined) first, before the store
    // and the loop objects their work refers to.
    // Parsing and feature extraction run on kParseThreads threads at kParseNiceness above the
    // daemon's niceness. The database thread is the one serial stage of a cycle: every document
    // waits for it, while parsing runs ahead in parallel. On two cores shared by four busy threads
    // it lost about 0.3 s of a 2.1 s cold 1,000-feed cycle waiting for a core that a parsing
    // thread held (perf, sched_switch). At +5 the scheduler hands it a core first: cold cycle wall
    // 2.13 -> 2.06 s at 1,000 feeds, 22.3 -> 20.7 s at 10,000 feeds. +10 gained little more (2.02 s,
    // 20.0 s) and would leave parsing a tenth of a busy host's share.
    static constexpr int kParseThreads = 2;
    static constexpr int kParseNiceness = 5;
    boost::asio::thread_pool workers_{kParseThreads};
    boost::asio::thread_pool db_{1};
    boost::asio::thread_pool leases_{1};
    boost::asio::thread_pool wal_{1};
};

}  // namespace tributary::app

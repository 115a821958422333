#include "app/daemon.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <utility>  // before any Asio header (GCC 12 + Boost coroutine headers)

#include "app/systemd_notify.hpp"
#include "config/config.hpp"
#include "config/config_diff.hpp"
#include "core/text.hpp"
#include "dedup/dedup.hpp"
#include "dedup/story_engine.hpp"
#include "fetch/fetcher.hpp"
#include "parse/parse_feed.hpp"
#include "publish/atomic_file.hpp"
#include "publish/http_server.hpp"
#include "publish/outputs.hpp"
#include "publish/pages.hpp"
#include "publish/publisher.hpp"
#include "publish/render.hpp"
#include "publish/websub.hpp"
#include "store/feed_store.hpp"

namespace tributary::app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Names every thread of `pool` (as `top -H`, `ps -L` and gdb show it) and raises its
// niceness by `niceness_increment` over the daemon's, before the pool runs any work: `threads`
// tasks that wait for one another cannot share a thread, so each thread runs exactly one.
void set_up_pool_threads(asio::thread_pool& pool, int threads, const char* name, int niceness_increment) {
    auto all_started = std::make_shared<std::latch>(threads);
    for (int i = 0; i < threads; ++i)
        asio::post(pool, [all_started, name, niceness_increment] {
            ::pthread_setname_np(::pthread_self(), name);  // 15 bytes at most: never fails then
            if (niceness_increment > 0) {
                // Linux keeps a niceness per thread, which PRIO_PROCESS with a thread id sets.
                const auto tid = static_cast<id_t>(::gettid());
                errno = 0;
                const int current = ::getpriority(PRIO_PROCESS, tid);
                if (errno != 0 || ::setpriority(PRIO_PROCESS, tid, std::min(current + niceness_increment, 19)) != 0)
                    spdlog::warn("daemon: could not lower the priority of a {} thread: {}", name, std::strerror(errno));
            }
            all_started->arrive_and_wait();
        });
}

// How often retention runs in service mode: items leave feeds at the pace of news, and a pass
// that finds nothing costs one indexed query.
constexpr Seconds kPruneEvery = 6h;
// While documents keep landing (a cold start, a busy hour), a service publishes at most this
// often: each publication reads, renders and compresses every output and pings its hub, and back
// to back (272 in a cold 10,000-feed cycle) they took a quarter of the cycle's CPU. Readers poll
// far less often than that.
constexpr std::chrono::seconds kMinPublishGap{2};

// A permanent redirect seen this many fetches in a row is followed directly.
constexpr int kStableMoveFetches = 3;

// Equal for polling purposes: where the section sits in the file does not count.
bool same_feed(const FeedSpec& a, const FeedSpec& b) {
    return a.name == b.name && a.url == b.url && a.tags == b.tags && a.interval == b.interval &&
           a.allow_private == b.allow_private && a.enabled == b.enabled && a.encoding == b.encoding &&
           a.headers == b.headers && a.username == b.username && a.password_file == b.password_file &&
           a.password_env == b.password_env && a.url_password == b.url_password && a.proxy == b.proxy &&
           a.user_agent == b.user_agent && a.ca_file == b.ca_file && a.verify_tls == b.verify_tls &&
           a.timezone == b.timezone && a.priority == b.priority;
}

std::string describe_error(std::string_view message) {
    return message.empty() ? "unknown error" : std::string(message);
}

}  // namespace

Credentials read_password(const std::string& env, const std::string& file, std::string_view key_prefix) {
    Credentials out;
    if (!env.empty()) {
        const char* value = std::getenv(env.c_str());
        if (value == nullptr)
            out.error = "config: " + std::string(key_prefix) + "_env " + env + " is not set in the environment";
        else
            out.password = value;
        return out;
    }
    if (!file.empty()) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            out.error =
                "config: cannot read " + std::string(key_prefix) + "_file " + file + ": " + std::strerror(errno);
            return out;
        }
        std::getline(in, out.password);  // the first line; a trailing newline is not part of it
        if (!out.password.empty() && out.password.back() == '\r') out.password.pop_back();
    }
    return out;
}

Credentials read_credentials(const FeedSpec& spec) {
    if (!spec.password_env.empty() || !spec.password_file.empty())
        return read_password(spec.password_env, spec.password_file, "password");
    return Credentials{.password = spec.url_password, .error = {}};
}

std::string database_shown(const DaemonSettings& settings) {
    return settings.database_url.empty() ? settings.database.string() : settings.database_url;
}

namespace {

// A daemon's name in its leases: where it runs, and which process it is.
std::string daemon_name() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    return std::string(host.data()) + ":" + std::to_string(::getpid());
}

Result<store::PostgresqlDatabase> postgresql_target(const DaemonSettings& settings) {
    Credentials password =
        read_password(settings.database_password_env, settings.database_password_file, "database_password");
    if (!password.error.empty()) return fail(ErrorKind::Config, password.error);
    return store::PostgresqlDatabase{.conninfo = settings.database_url,
                                     .password = std::move(password.password),
                                     .shown_as = settings.database_url,
                                     .shared = settings.share_database,
                                     .daemon = daemon_name()};
}

}  // namespace

Result<std::string> describe_database(const DaemonSettings& settings) {
    auto target = postgresql_target(settings);
    if (!target) return std::unexpected(target.error());
    return store::FeedStore::describe_postgresql(*target);
}

Result<std::unique_ptr<store::FeedStore>> open_store(const DaemonSettings& settings, StoreAccess access) {
    const bool writer = access == StoreAccess::writer;
    if (settings.database_url.empty()) {
        auto opened =
            writer ? store::FeedStore::open(settings.database) : store::FeedStore::open_read_only(settings.database);
        if (!opened) return std::unexpected(opened.error());
        return std::make_unique<store::FeedStore>(std::move(*opened));
    }
    auto found = postgresql_target(settings);
    if (!found) return std::unexpected(found.error());
    const store::PostgresqlDatabase& target = *found;
    auto opened =
        writer ? store::FeedStore::open_postgresql(target) : store::FeedStore::open_postgresql_read_only(target);
    if (!opened) return std::unexpected(opened.error());
    return std::make_unique<store::FeedStore>(std::move(*opened));
}

struct Daemon::FeedRuntime {
    // The feed's section of config_ (a vector that only apply_config() replaces, by moving the
    // new config's in, which keeps each element where it is): not a copy of it, which was half a
    // kilobyte a feed. A feed that a reload removed while its fetch runs keeps a copy here.
    const FeedSpec* spec = nullptr;
    std::unique_ptr<FeedSpec> retired_spec;
    FeedState state;
    bool in_flight = false;
    bool removed = false;  // dropped by a reload while its fetch was running
    Credentials credentials;
    // share_database: the host whose lease this attempt keeps (hand_back_host() at its end).
    std::string host_in_hand;
};

struct Daemon::RoundStats {
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    int polled = 0;
    int not_modified = 0;
    int failed = 0;
    int new_items = 0;
    int updated_items = 0;
    int duplicates = 0;
};

template <class Work, class Done>
void Daemon::on_pool(asio::thread_pool& pool, Work work, Done done) {
    // The guard keeps io.run() alive until the result is back on the loop.
    asio::post(pool, [this, work = std::move(work), done = std::move(done),
                      guard = asio::make_work_guard(io_)]() mutable {
        auto result = work();
        asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    });
}

Daemon::Daemon(asio::io_context& io, Config config, Mode mode, const Clock& clock)
    : io_(io),
      config_(std::move(config)),
      mode_(mode),
      clock_(clock),
      wake_timer_(io),
      shared_publish_timer_(io),
      publish_gap_timer_(io),
      watchdog_timer_(io),
      signals_(io) {
    set_up_pool_threads(workers_, kParseThreads, "tributary-parse", kParseNiceness);
    set_up_pool_threads(db_, 1, "tributary-store", 0);
    set_up_pool_threads(leases_, 1, "tributary-lease", 0);
    set_up_pool_threads(wal_, 1, "tributary-wal", 0);
}

// db_ before wal_: the database thread asks wal_ for checkpoints.
Daemon::~Daemon() {
    workers_.join();
    db_.join();
    leases_.join();
    wal_.join();
}

void Daemon::join() {
    workers_.join();
    db_.join();
    leases_.join();
    wal_.join();
}

std::uint16_t Daemon::http_port() const { return http_ ? http_->port() : 0; }

std::string Daemon::self_url(std::string_view path) const {
    const std::uint16_t port = http_ ? http_->port() : config_.daemon.listen_port;
    if (port == 0) return {};  // `once` with listen = …:0: no URL to name
    const std::string& host = config_.daemon.listen_host;
    const bool wildcard = host == "0.0.0.0" || host == "::";
    const std::string shown = wildcard ? "localhost" : (host.find(':') != std::string::npos ? "[" + host + "]" : host);
    return "http://" + shown + ":" + std::to_string(port) + std::string(path);
}

Result<void> Daemon::start() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (config_.daemon.database_url.empty()) {
        const fs::path dir = config_.daemon.database.parent_path();
        fs::create_directories(dir, ec);
        if (ec) return fail(ErrorKind::Io, "app: cannot create " + dir.string() + ": " + ec.message());
    }
    for (const OutputSpec& output : config_.outputs) {
        for (const auto& rep : publish::representations_of(output)) {
            fs::create_directories(rep.path.parent_path(), ec);
            if (ec)
                return fail(ErrorKind::Io,
                            "app: cannot create " + rep.path.parent_path().string() + ": " + ec.message());
        }
    }

    // Start-up may block: the loop is not running yet.
    auto opened = open_store(config_.daemon, StoreAccess::writer);
    if (!opened) return std::unexpected(opened.error());
    store_ = std::move(*opened);
    auto checkpointer = store_->hand_checkpoints_over([this] { request_checkpoint(); });
    if (!checkpointer) return std::unexpected(checkpointer.error());
    if (*checkpointer) checkpointer_ = std::make_unique<store::WalCheckpointer>(std::move(**checkpointer));
    if (config_.daemon.share_database) {
        auto second = open_store(config_.daemon, StoreAccess::writer);
        if (!second) return std::unexpected(second.error());
        lease_store_ = std::move(*second);
    }
    if (auto synced = store_->sync_feeds(config_.feeds, clock_.now()); !synced) return std::unexpected(synced.error());
    if (config_.daemon.retention > Seconds{0}) {
        // Before anything is served or polled, so the first merged feed is already the pruned one.
        const auto pruned = store_->prune(clock_.now() - config_.daemon.retention);
        report_prune(pruned);
        if (pruned && pruned->stories > 0) changed_since_publish_ = true;  // `once` then rewrites the merged feed
        next_prune_ = clock_.now() + kPruneEvery;
    }
    auto states = store_->feed_states();
    if (!states) return std::unexpected(states.error());

    try {
        fetcher_ = std::make_unique<fetch::Fetcher>(io_, config_.daemon.fetch);
    } catch (const std::exception& e) {
        return fail(ErrorKind::Internal, std::string("app: cannot start the fetcher: ") + e.what());
    }
    render_cache_ = std::make_unique<publish::RenderCache>();
    entry_html_ = std::make_unique<EntryHtml>();
    if (mode_ == Mode::service)  // a ping goes out as a POST through the fetcher, off nobody's way
        hub_pinger_ = std::make_unique<publish::HubPinger>(
            io_, [this](const std::string& hub, std::string form, std::function<void(publish::HubReply)> done) {
                FetchRequest request;
                request.feed_name = "websub";
                request.url = hub;
                request.allow_private = config_.daemon.allow_private;
                request.post_form = std::move(form);
                fetcher_->fetch(std::move(request), [done = std::move(done)](FetchResult r) {
                    const bool ok = r.outcome == FetchOutcome::fetched;
                    done(publish::HubReply{.ok = ok,
                                           .cancelled = r.outcome == FetchOutcome::cancelled,
                                           .cause = r.http_status != 0 ? "HTTP " + std::to_string(r.http_status)
                                                                       : std::string(to_string(r.outcome))});
                });
            });

    for (const FeedSpec& spec : config_.feeds) {
        if (!spec.enabled) continue;
        feeds_.emplace(spec.name, FeedRuntime{.spec = &spec,
                                              .retired_spec = nullptr,
                                              .state = {},
                                              .in_flight = false,
                                              .removed = false,
                                              .credentials = read_credentials(spec),
                                              .host_in_hand = {}});
    }
    // Moved, not copied, and the list let go at once: start-up is the peak of an all-304 cycle,
    // and a copy of every state was 2.7 MB of it at 10,000 feeds.
    for (FeedState& state : *states)
        if (auto it = feeds_.find(state.name); it != feeds_.end()) it->second.state = std::move(state);
    *states = {};

    install_signals();
    if (mode_ == Mode::service) {
        http_ = make_http_server(config_.daemon);
        for (const OutputSpec& output : config_.outputs)
            for (const auto& rep : publish::representations_of(output)) serve(rep.url, nullptr);
        metrics_.started = clock_.now();
        serve(std::string(publish::kStylesheetPath),
              publish::make_snapshot(std::string(publish::feed_stylesheet()), clock_.now(),
                                     std::string(publish::kXslContentType), "public, max-age=86400"));
        declare_pages(*http_);
        if (auto listening = http_->start(); !listening) return std::unexpected(listening.error());
        for (const OutputSpec& output : config_.outputs)
            for (const auto& rep : publish::representations_of(output))
                spdlog::info("output {}: file {}, served at {}, published as {}", output.name, rep.path.string(),
                             self_url(rep.url),
                             publish::absolute_url(publish::public_base(output, config_.daemon, http_port()), rep.url));
        // Serve what the database already holds right away; subscribers should
        // not wait for the first poll after a restart.
        request_publish();
        if (config_.daemon.share_database) arm_shared_publish();
        for (const auto& [name, feed] : feeds_) schedule_at_startup(feed.state, true);
        spdlog::info("tributary {} running: {} feeds, database {}", TRIBUTARY_VERSION, feeds_.size(),
                     database_shown(config_.daemon));
        notify_ready(fmt::format("running: {} feeds", feeds_.size()));
        if (const auto period = watchdog_period()) {
            watchdog_period_ = *period;
            arm_watchdog();
        }
    } else {
        spdlog::info("tributary {} once: polling {} feeds, database {}", TRIBUTARY_VERSION, feeds_.size(),
                     database_shown(config_.daemon));
        // With other daemons on the database, only the feeds that are due and that none of them is
        // polling (a feed polled moments ago by another is not polled twice); and the outputs are
        // written at the end whatever this daemon found: the others' ingests show there.
        if (config_.daemon.share_database) changed_since_publish_ = true;
        for (auto& [name, feed] : feeds_) {
            if (feed.state.gone)
                spdlog::info("feed={} url={} skipped: gone (HTTP 410) since an earlier poll", name, feed.spec->url);
            else
                due_.set(name, clock_.now());
        }
        if (feeds_.empty()) {
            changed_since_publish_ = true;  // still write the (empty) merged feed
            maybe_finish();
            return {};
        }
    }
    arm_wake_timer();
    return {};
}

// Sent from the loop thread: if the loop ever blocks, the pings stop and systemd restarts us.
void Daemon::arm_watchdog() {
    if (stopping_) return;
    notify_watchdog();
    watchdog_timer_.expires_after(watchdog_period_);
    watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) arm_watchdog();
    });
}

void Daemon::install_signals() {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    if (mode_ == Mode::service) signals_.add(SIGHUP);
    wait_for_signal();
}

void Daemon::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;  // cancelled by stop()
        if (signal == SIGHUP) {
            spdlog::info("SIGHUP: reloading {}", config_.file.string());
            reload();
            wait_for_signal();
            return;
        }
        spdlog::info("{}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        stop();
    });
}

void Daemon::schedule_at_startup(const FeedState& state, bool spread) {
    auto it = feeds_.find(state.name);
    if (it == feeds_.end() || it->second.in_flight || due_.contains(state.name)) return;
    if (it->second.state.gone) return;  // until its url changes
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto decision = schedule::at_startup(config_.daemon.schedule, state.next_due, state.last_fetch.has_value(),
                                               clock_.now(), spread ? unit(random_) : 0.0);
    due_.set(state.name, decision.due);
    spdlog::debug("feed={} due {} ({})", state.name, format_rfc3339(decision.due), decision.reason);
}

// Feeds between their fetch and their final write are held in memory (a parsed document waits
// for the database thread): this many at most, so that a cold start of 10,000 feeds does not
// hold 10,000 parsed documents while the database thread works through them.
std::size_t Daemon::admission_room() const {
    const auto cap = static_cast<std::size_t>(std::max(1, config_.daemon.fetch.max_concurrent)) * 4;
    const auto busy = static_cast<std::size_t>(std::max(0, in_flight_));
    return busy >= cap ? 0 : cap - busy;
}

void Daemon::arm_wake_timer() {
    if (stopping_) return;
    const auto earliest = due_.earliest();
    // Nothing due, or no room: finish_attempt() re-arms once a feed is done.
    if (!earliest || (admission_room() == 0 && *earliest <= clock_.now())) {
        wake_timer_.cancel();
        return;
    }
    // The wall clock may jump (NTP, suspend); waking at least once a minute
    // keeps a steady timer from sleeping through a due time.
    const auto wait = std::clamp<std::chrono::seconds>(*earliest - clock_.now(), 0s, 60s);
    wake_timer_.expires_after(wait);
    wake_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) on_wake();
    });
}

void Daemon::on_wake() {
    if (stopping_) return;
    const SysTime now = clock_.now();
    holds_.prune(now);
    maybe_prune(now);
    std::vector<std::string> ready;
    for (const std::string& name : due_.take_due(now, admission_room())) {
        const auto it = feeds_.find(name);
        if (it == feeds_.end()) continue;
        const std::string host = schedule::host_of(it->second.spec->url);
        if (const auto held = holds_.held_until(host, now); held && !it->second.spec->retry_after_override) {
            spdlog::debug("feed={} waits: host {} asked for patience until {}", name, host, format_rfc3339(*held));
            due_.set(name, *held);
            note_host_hold(it->second, host, *held);
            continue;
        }
        ready.push_back(name);
    }
    if (config_.daemon.share_database)
        lease_and_poll(std::move(ready));
    else
        for (const std::string& name : ready) poll(name);
    arm_wake_timer();
}

void Daemon::lease_and_poll(std::vector<std::string> names) {
    if (names.empty()) return;
    // Each feed holds its place from now: the lease is part of its attempt, and so is its host's
    // lease, which this daemon keeps while any attempt on the host runs or waits for an answer.
    std::vector<store::FeedToLease> asked;
    asked.reserve(names.size());
    for (const std::string& name : names) {
        FeedRuntime& feed = feeds_.at(name);
        feed.in_flight = true;
        ++in_flight_;
        feed.host_in_hand = schedule::host_of(feed.spec->url);
        ++hosts_in_hand_[feed.host_in_hand];
        asked.push_back({.name = name, .host = feed.host_in_hand});
    }
    const SysTime now = clock_.now();
    const SysTime until = now + config_.daemon.lease_time;
    on_pool(
        leases_, [this, asked = std::move(asked), now, until] { return lease_store_->lease_feeds(asked, now, until); },
        [this, names](Result<store::FeedLeases> leases) {
            if (!leases) {
                spdlog::error("cannot lease {} due feeds: {}; trying again in 30s", names.size(),
                              leases.error().message);
                sharing_.lease_failures += names.size();
                for (const std::string& name : names) unpolled(name, clock_.now() + 30s);
                return;
            }
            sharing_.feeds_leased += leases->leased.size();
            sharing_.feeds_refused += leases->refused.size();
            // Holds other daemons were asked for: their hosts wait here too.
            for (const store::FeedLeases::HostHold& hold : leases->holds) holds_.hold(hold.host, hold.until, hold.feed);
            std::set<std::string, std::less<>> answered;
            for (FeedState& state : leases->leased) {
                answered.insert(state.name);
                const auto it = feeds_.find(state.name);
                if (it == feeds_.end() || it->second.removed) {
                    unpolled(state.name, std::nullopt);  // its lease ends with the daemon's next write, or expires
                    continue;
                }
                it->second.state = std::move(state);
                const std::string host = it->second.host_in_hand;  // its URL's, named when it was asked for
                if (const auto held = holds_.held_until(host, clock_.now());
                    held && !it->second.spec->retry_after_override) {
                    note_host_hold(it->second, host, *held);  // saving its state ends its lease
                    // `once` does not wait for the host: its next poll is the one after the hold.
                    unpolled(it->first, mode_ == Mode::once ? std::nullopt : std::optional<SysTime>(*held));
                    continue;
                }
                it->second.in_flight = false;
                --in_flight_;
                poll(it->first);
            }
            for (const store::FeedLeases::Refused& refused : leases->refused) {
                answered.insert(refused.name);
                if (!refused.lease_owner.empty()) {
                    const std::string until = refused.lease_until ? format_rfc3339(*refused.lease_until) : "-";
                    if (refused.host_leased) {
                        const auto it = feeds_.find(refused.name);
                        spdlog::debug("feed={} waits: host {} is polled by {} (leased until {})", refused.name,
                                      it == feeds_.end() ? std::string{} : it->second.host_in_hand, refused.lease_owner,
                                      until);
                    } else {
                        spdlog::debug("feed={} is polled by {} (leased until {})", refused.name, refused.lease_owner,
                                      until);
                    }
                    // Checked again when the lease ends: done by then, or its daemon died. A host's
                    // lease ends early when its holder has none of its feeds left, so it is looked at
                    // again within 10 s; `once` looks sooner, so as to end soon after the holder has
                    // polled the feed.
                    SysTime retry = refused.lease_until.value_or(clock_.now() + config_.daemon.lease_time);
                    if (refused.host_leased) retry = std::min(retry, clock_.now() + 10s);
                    if (mode_ == Mode::once) retry = std::min(retry, clock_.now() + 1s);
                    unpolled(refused.name, retry);
                } else {
                    spdlog::debug("feed={} was polled by another daemon; due {}", refused.name,
                                  refused.next_due ? format_rfc3339(*refused.next_due) : "-");
                    unpolled(refused.name, mode_ == Mode::once ? std::nullopt : refused.next_due);
                }
            }
            for (const std::string& name : names)
                if (!answered.contains(name)) unpolled(name, std::nullopt);
            arm_wake_timer();
        });
}

// The last attempt this daemon had in hand on the host has ended: other daemons may poll it once
// min_host_spacing has passed since, as this daemon would have waited.
void Daemon::hand_back_host(const std::string& host) {
    const auto it = hosts_in_hand_.find(host);
    if (it == hosts_in_hand_.end() || --it->second > 0) return;
    hosts_in_hand_.erase(it);
    if (stopping_) return;  // its lease expires, as do the feeds' leases of attempts cut short
    const SysTime from = clock_.now() + config_.daemon.fetch.min_host_spacing;
    on_pool(
        leases_, [this, host, from] { return lease_store_->release_host(host, from); },
        [](Result<void> released) {
            if (!released) spdlog::warn("{}; the host's lease expires instead", released.error().message);
        });
}

void Daemon::unpolled(const std::string& name, std::optional<SysTime> retry_at) {
    if (retry_at && !stopping_) {
        if (const auto it = feeds_.find(name); it != feeds_.end() && !it->second.removed)
            due_.set(name, std::max(*retry_at, clock_.now() + 1s));
    }
    end_attempt(name);
}

// `status` reads the database: a feed held back by its host says so there, and why.
void Daemon::note_host_hold(FeedRuntime& feed, const std::string& host, SysTime until) {
    const auto hold = holds_.all().find(host);
    const std::string asked_by = hold == holds_.all().end() || hold->second.feed.empty()
                                     ? std::string{}
                                     : " (asked by feed " + hold->second.feed + ")";
    feed.state.next_due = until;
    feed.state.schedule_reason = "host " + host + " held until " + format_rfc3339(until) + " by Retry-After" + asked_by;
    if (feed.state.name.empty()) feed.state.name = feed.spec->name;
    on_pool(
        db_, [this, state = feed.state]() { return store_->save_feed_state(state); },
        [name = feed.spec->name](Result<void> saved) {
            if (!saved) spdlog::error("feed={} cannot save its state: {}", name, saved.error().message);
        });
}

void Daemon::reschedule(const std::string& name, SysTime due) {
    // `once` polls each feed a single time; the due time is still stored for
    // the next `run`.
    if (mode_ == Mode::service && !stopping_) due_.set(name, due);
}

schedule::Decision Daemon::plan_next(const std::string& name, FeedState& state, schedule::AttemptKind kind,
                                     std::optional<Seconds> retry_after) {
    const schedule::Hints hints{.configured = interval_of(name),
                                .publish_interval = state.publish_interval,
                                .feed_ttl = state.feed_ttl,
                                .skip_hours = state.skip_hours,
                                .skip_days = state.skip_days,
                                .fresh_until = state.fresh_until};
    const schedule::Attempt attempt{
        .kind = kind, .consecutive_failures = state.consecutive_failures, .retry_after = retry_after};
    auto decision = schedule::plan(config_.daemon.schedule, hints, attempt, clock_.now(), jitter_unit());
    state.next_due = decision.due;
    state.schedule_reason = decision.reason;
    return decision;
}

std::optional<Seconds> Daemon::interval_of(const std::string& name) const {
    const auto it = feeds_.find(name);
    return it == feeds_.end() ? std::nullopt : it->second.spec->interval;
}

std::size_t Daemon::active_feeds() const {
    return static_cast<std::size_t>(
        std::count_if(feeds_.begin(), feeds_.end(), [](const auto& entry) { return !entry.second.removed; }));
}

double Daemon::jitter_unit() { return std::uniform_real_distribution<double>(-1.0, 1.0)(random_); }

FetchRequest Daemon::make_request(const FeedRuntime& feed) const {
    const FeedSpec& spec = *feed.spec;
    FetchRequest request;
    request.feed_name = spec.name;
    request.url = spec.url;
    request.etag = feed.state.etag;
    request.last_modified = feed.state.last_modified;
    request.allow_private = spec.allow_private.value_or(config_.daemon.allow_private);
    request.headers = spec.headers;
    request.username = spec.username;
    request.password = feed.credentials.password;
    request.proxy = spec.proxy;
    request.user_agent = spec.user_agent;
    request.ca_file = spec.ca_file;
    request.verify_tls = spec.verify_tls;
    // A move seen on several fetches in a row is stable: go there directly
    // (the operator's file keeps the old URL until they edit it).
    if (!feed.state.moved_to.empty() && feed.state.moved_count >= kStableMoveFetches) request.url = feed.state.moved_to;
    return request;
}

void Daemon::poll(const std::string& name) {
    auto it = feeds_.find(name);
    if (it == feeds_.end() || it->second.in_flight) return;
    FeedRuntime& feed = it->second;
    if (!round_) round_ = std::make_unique<RoundStats>();
    ++round_->polled;
    ++in_flight_;
    feed.in_flight = true;

    if (!feed.credentials.error.empty()) {
        // Not a fetch failure but the feed cannot be polled as configured.
        FeedState state = feed.state;
        state.url = feed.spec->url;
        state.last_fetch = clock_.now();
        state.http_status = 0;
        return record_failure(name, std::move(state), "config_error", feed.credentials.error, std::nullopt);
    }
    FetchRequest request = make_request(feed);
    spdlog::debug("feed={} fetching {}", name, request.url);
    fetcher_->fetch(std::move(request), [this, name](FetchResult result) { on_fetched(name, std::move(result)); });
}

void Daemon::on_fetched(const std::string& name, FetchResult result) {
    const auto it = feeds_.find(name);
    // A feed a reload removed while it was fetched: what it brought is not stored.
    if (it == feeds_.end() || it->second.removed) return finish_attempt(name);
    if (result.outcome == FetchOutcome::cancelled || stopping_) return finish_attempt(name);

    FeedState state = it->second.state;
    state.url = it->second.spec->url;
    state.last_fetch = clock_.now();
    state.http_status = result.http_status;
    if (result.http_status == 410) return mark_gone(name, std::move(state), result);
    if (!result.ok()) {
        return record_failure(name, std::move(state), to_string(result.outcome), describe_error(result.error),
                              result.retry_after);
    }
    note_redirect(name, state, result);

    if (result.outcome == FetchOutcome::not_modified) {
        ++round_->not_modified;
        state.last_outcome = to_string(result.outcome);
        state.last_error.clear();
        state.last_success = state.last_fetch;
        state.consecutive_failures = 0;
        state.fresh_until = schedule::fresh_until(result.cache_control, result.expires, clock_.now());
        const auto next = plan_next(name, state, schedule::AttemptKind::not_modified, std::nullopt);
        spdlog::info("feed={} not modified (304) in {}ms; next {} ({})", name, result.elapsed.count(),
                     format_rfc3339(next.due), next.reason);
        it->second.state = state;
        reschedule(name, next.due);
        save_state(std::move(state));
        return;
    }

    // 200: parse and compute the items' identities on a worker; ask the store which items are
    // new or changed; compute the story features of those (the costly part) on a worker; ingest
    // on the writer. A feed that changed one item of twenty-five pays for one.
    const std::string encoding_override = it->second.spec->encoding;
    const std::string timezone = it->second.spec->timezone;
    on_pool(
        workers_,
        [result = std::move(result), encoding_override, timezone]() mutable {
            struct Parsed {
                FetchResult fetched;
                Result<ParsedFeed> feed;
                std::vector<ItemKeys> keys;
            };
            // Raw HTML here, and in the store: what an output shows is sanitized when it is
            // published (EntryHtml), not every item of every poll.
            const parse::ParseOptions options{
                .content_type = result.content_type,
                .base_url = result.final_url.empty() ? result.requested_url : result.final_url,
                .encoding_override = encoding_override,
                .sanitize = false,
                .timezone = timezone};
            Parsed out{.fetched = {}, .feed = parse::parse_feed(result.body, options), .keys = {}};
            if (out.feed) out.keys = dedup::identity_keys(out.feed->items);
            result.body.clear();
            result.body.shrink_to_fit();
            out.fetched = std::move(result);
            return out;
        },
        [this, name, state = std::move(state)](auto parsed) mutable {
            const FetchResult& fetched = parsed.fetched;
            if (!parsed.feed) {
                return record_failure(name, std::move(state), "parse_error", parsed.feed.error().message, std::nullopt);
            }
            if (stopping_) return finish_attempt(name);
            if (const auto feed = feeds_.find(name); feed == feeds_.end() || feed->second.removed)
                return finish_attempt(name);  // removed by a reload while it was parsed
            state.last_outcome = to_string(fetched.outcome);
            state.last_error.clear();
            state.last_success = state.last_fetch;
            state.consecutive_failures = 0;
            state.etag = fetched.etag;
            state.last_modified = fetched.last_modified;
            const ParsedFeed& document = *parsed.feed;
            state.encoding_declared = document.encoding.declared;
            state.encoding_used = document.encoding.used;
            // The publisher's own hint: the longer of <ttl> and sy:updatePeriod.
            state.feed_ttl = document.ttl;
            if (document.update_period && (!state.feed_ttl || *document.update_period > *state.feed_ttl))
                state.feed_ttl = document.update_period;
            state.skip_hours = document.skip_hours;
            state.skip_days = document.skip_days;
            state.fresh_until = schedule::fresh_until(fetched.cache_control, fetched.expires, clock_.now());
            plan_next(name, state, schedule::AttemptKind::success, std::nullopt);
            const std::size_t item_count = parsed.feed->items.size();
            std::vector<std::string> warnings = parsed.feed->warnings;
            const auto elapsed = fetched.elapsed;
            prepare_and_ingest(name, std::move(state),
                               Document{.feed = std::move(*parsed.feed), .keys = std::move(parsed.keys)},
                               IngestNote{.items = item_count, .warnings = std::move(warnings), .elapsed = elapsed});
        });
}

void Daemon::prepare_and_ingest(const std::string& name, FeedState state, Document document, IngestNote note) {
    const auto still_wanted = [this, name] {
        const auto feed = feeds_.find(name);
        return !stopping_ && feed != feeds_.end() && !feed->second.removed;
    };
    // The items' HTML is stored as the feed sent it and sanitized when an output shows it
    // (EntryHtml): here only the story features of the items the store does not hold as they are.
    auto extract = [this, name, still_wanted](FeedState state, Document document, std::vector<bool> wanted,
                                              IngestNote note) {
        on_pool(
            workers_,
            [document = std::move(document), wanted = std::move(wanted)]() mutable {
                for (std::size_t i = 0; i < document.feed.items.size(); ++i)
                    if (wanted[i]) dedup::add_story_keys(document.keys[i], document.feed.items[i]);
                return std::move(document);
            },
            [this, name, state = std::move(state), note = std::move(note), still_wanted](Document prepared) mutable {
                if (!still_wanted()) return finish_attempt(name);
                ingest(name, std::move(state), std::move(prepared), std::move(note));
            });
    };
    // A feed with no item stored (its first fetch, as every feed's in a cold start): all are new,
    // and asking the store would wait behind the database thread's batch while the workers idle
    // (a cold 10,000-feed cycle kept each worker a quarter busy).
    if (state.item_count == 0) {
        std::vector<bool> all(document.feed.items.size(), true);
        return extract(std::move(state), std::move(document), std::move(all), std::move(note));
    }
    const std::string feed_name = state.name;
    on_pool(
        db_,
        [this, feed_name, keys = std::move(document.keys)]() mutable {
            auto needed = store_->new_or_changed(feed_name, keys);
            return std::pair{std::move(needed), std::move(keys)};
        },
        [this, name, state = std::move(state), feed = std::move(document.feed), note = std::move(note), still_wanted,
         extract](auto needed) mutable {
            if (!needed.first) {
                return on_ingested(name, std::move(state), std::unexpected(needed.first.error()), note.items,
                                   std::move(note.warnings), note.elapsed);
            }
            if (!still_wanted()) return finish_attempt(name);
            extract(std::move(state), Document{.feed = std::move(feed), .keys = std::move(needed.second)},
                    std::move(*needed.first), std::move(note));
        });
}

void Daemon::ingest(const std::string& name, FeedState state, Document document, IngestNote note) {
    bool start = false;
    {
        const std::lock_guard lock(ready_mutex_);
        ready_ingests_.push_back(ReadyIngest{.name = name,
                                             .state = std::move(state),
                                             .document = std::move(document),
                                             .note = std::move(note),
                                             .now = clock_.now()});
        start = !ingest_running_;
        ingest_running_ = true;
    }
    if (start) asio::post(db_, [this, guard = asio::make_work_guard(io_)] { run_ingests(); });
}

// What the loop needs back of an ingest: the documents stay off the event loop (a worker frees them).
struct Daemon::IngestDone {
    std::string name;
    FeedState state;
    IngestNote note;
    Result<IngestResult> result;
};

void Daemon::run_ingests() {
    // Enough to share the pages a commit writes (each page of a cold cycle's database reached
    // the WAL about six times with a commit per document), few enough that a batch stays short.
    constexpr std::size_t kMaxBatch = 32;
    std::vector<ReadyIngest> batch;
    {
        const std::lock_guard lock(ready_mutex_);
        const std::size_t count = std::min(ready_ingests_.size(), kMaxBatch);
        batch.assign(std::make_move_iterator(ready_ingests_.begin()),
                     std::make_move_iterator(ready_ingests_.begin() + static_cast<std::ptrdiff_t>(count)));
        ready_ingests_.erase(ready_ingests_.begin(), ready_ingests_.begin() + static_cast<std::ptrdiff_t>(count));
    }
    if (!batch.empty()) {
        asio::post(io_, [this, done = ingest_batch(std::move(batch))]() mutable {
            for (IngestDone& d : done)
                on_ingested(d.name, std::move(d.state), std::move(d.result), d.note.items, std::move(d.note.warnings),
                            d.note.elapsed);
        });
    }
    // The next batch is taken here, not handed over by the loop: between two batches the database
    // thread, the busiest, waited for a loop that two busy cores kept from running (without that
    // wait a cold cycle takes 3% less time). It queues behind what else waits for db_ (states,
    // publications, pages).
    const std::lock_guard lock(ready_mutex_);
    if (ready_ingests_.empty()) {
        ingest_running_ = false;
        return;
    }
    asio::post(db_, [this, guard = asio::make_work_guard(io_)] { run_ingests(); });
}

std::vector<Daemon::IngestDone> Daemon::ingest_batch(std::vector<ReadyIngest> batch) {
    std::vector<IngestDone> done;
    done.reserve(batch.size());
    for (ReadyIngest& ready : batch)
        done.push_back(IngestDone{.name = std::move(ready.name),
                                  .state = ready.state,
                                  .note = std::move(ready.note),
                                  .result = std::unexpected(Error{})});
    const auto all_fail = [&done](const Error& error) {
        for (IngestDone& d : done) d.result = std::unexpected(error);
        return std::move(done);
    };
    // SQLite would write on into a deleted or replaced file and lose it all.
    if (auto ours = store_->check_file(); !ours) return all_fail(ours.error());
    const SysTime now = batch.back().now;
    if (auto index = story_index(now); !index) return all_fail(index.error());
    // Each document in a transaction of its own (a failure costs that document only), or
    // every document in the batch's; false: one failed, and the batch keeps none.
    const auto ingest_all = [&](bool in_batch) -> Result<bool> {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const ReadyIngest& ready = batch[i];
            done[i].result = store_->ingest(ready.state, ready.document.feed, ready.document.keys, *story_index_,
                                            ready.now, kStoryWindow);
            if (done[i].result) continue;
            if (done[i].result.error().kind == ErrorKind::DbLost) return std::unexpected(done[i].result.error());
            if (in_batch) {
                spdlog::warn(
                    "feed={} ingest failed in a batch of {} documents, which are ingested again one "
                    "by one: {}",
                    batch[i].name, batch.size(), done[i].result.error().message);
                return false;
            }
        }
        return true;
    };
    if (auto begun = store_->begin_batch(); !begun) return all_fail(begun.error());
    auto whole = ingest_all(true);
    if (whole && *whole) {
        if (auto committed = store_->commit_batch(); !committed) {
            store_->abandon_batch();
            story_index_.reset();
            return all_fail(committed.error());
        }
    } else {
        store_->abandon_batch();
        story_index_.reset();  // it holds the stories of ingests that are not kept
        if (!whole) return all_fail(whole.error());
        if (auto index = story_index(now); !index) return all_fail(index.error());
        if (auto alone = ingest_all(false); !alone) {
            story_index_.reset();
            return all_fail(alone.error());
        }
    }
    // What arrived before the window can no longer be matched: memory stays the window's.
    story_index_->expire(now - kStoryWindow);
    // The documents' memory goes back from a worker: freeing thousands of parsed items was
    // a few percent of the database thread, the cycle's busiest.
    asio::post(workers_, [documents = std::move(batch)] {});
    return done;
}

void Daemon::on_ingested(const std::string& name, FeedState state, Result<IngestResult> result, std::size_t items,
                         std::vector<std::string> warnings, std::chrono::milliseconds fetch_elapsed) {
    if (!result && result.error().kind == ErrorKind::DbLost) {
        on_store_lost(result.error());
        return finish_attempt(name);
    }
    if (!result) {
        // The transaction rolled back: keep the old validators so the next
        // poll fetches the document again instead of getting a 304.
        const auto it = feeds_.find(name);
        if (it != feeds_.end()) {
            state.etag = it->second.state.etag;
            state.last_modified = it->second.state.last_modified;
        }
        return record_failure(name, std::move(state), "store_error", result.error().message, std::nullopt);
    }
    for (const std::string& warning : warnings) spdlog::debug("feed={} parse warning: {}", name, warning);
    for (const IngestResult::Join& join : result->joins)
        spdlog::debug("feed={} item {} joined story {}: {}", name, printable(join.link), join.story_id, join.reason);
    for (const IngestResult::Move& move : result->moves)
        spdlog::info("feed={} item {} moved from story {} to story {}: {}", name, printable(move.link), move.from_story,
                     move.to_story, move.reason);
    if (round_) {
        round_->new_items += result->new_items;
        round_->updated_items += result->updated_items;
        round_->duplicates += result->duplicate_items;
    }
    metrics_.new_items += static_cast<std::uint64_t>(result->new_items);
    metrics_.updated_items += static_cast<std::uint64_t>(result->updated_items);
    metrics_.duplicate_items += static_cast<std::uint64_t>(result->duplicate_items);
    spdlog::info("feed={} fetched in {}ms: {} items, {} new, {} updated, {} duplicates of known stories{}", name,
                 fetch_elapsed.count(), items, result->new_items, result->updated_items, result->duplicate_items,
                 warnings.empty() ? std::string{} : ", " + std::to_string(warnings.size()) + " parse warnings");
    // The adaptive rate learns from how many items were new to this feed
    // since its previous success; a changed estimate re-plans the next poll.
    bool replanned = false;
    if (auto it = feeds_.find(name); it != feeds_.end() && !it->second.removed) {
        const auto previous_success = it->second.state.last_success;
        if (previous_success && state.last_success && *state.last_success > *previous_success) {
            const auto learned = schedule::update_publish_interval(
                state.publish_interval, result->new_items + result->duplicate_items,
                std::chrono::duration_cast<Seconds>(*state.last_success - *previous_success));
            if (learned != state.publish_interval) {
                state.publish_interval = learned;
                plan_next(name, state, schedule::AttemptKind::success, std::nullopt);
                replanned = true;
            }
        }
        if (result->feed_items >= 0) state.item_count = result->feed_items;  // for /status
        it->second.state = state;
        reschedule(name, *state.next_due);
    }
    if (result->changed()) changed_since_publish_ = true;
    if (result->changed() && mode_ == Mode::service && !stopping_) request_publish();
    if (replanned) return save_state(std::move(state));  // finishes the attempt once written
    finish_attempt(name);
    arm_wake_timer();
}

void Daemon::note_redirect(const std::string& name, FeedState& state, const FetchResult& result) {
    const bool moved =
        result.permanent_redirect && !result.final_url.empty() && result.final_url != result.requested_url;
    if (!moved) {
        // Polling the configured URL without a permanent redirect: no move (any more).
        if (result.requested_url == state.url && !state.moved_to.empty()) {
            spdlog::info("feed={} no longer redirects to {}", name, printable(state.moved_to));
            state.moved_to.clear();
            state.moved_count = 0;
        }
        return;
    }
    if (state.moved_to == result.final_url) {
        ++state.moved_count;
    } else {
        state.moved_to = result.final_url;
        state.moved_count = 1;
    }
    if (state.moved_count == 1 || state.moved_count == kStableMoveFetches) {
        spdlog::warn(
            "feed={} url={} moved permanently to {} ({} fetches in a row{}): suggest editing url in {} line {}", name,
            state.url, printable(state.moved_to), state.moved_count,
            state.moved_count >= kStableMoveFetches ? ", now polled there directly" : "", config_.file.string(),
            feeds_.at(name).spec->source_line);
    }
}

void Daemon::mark_gone(const std::string& name, FeedState state, const FetchResult& result) {
    if (round_) ++round_->failed;
    state.gone = true;
    state.last_outcome = "gone";
    state.last_error = "fetch: " + result.requested_url + ": HTTP 410 Gone: polling stopped until its url changes";
    state.consecutive_failures += 1;
    state.next_due.reset();
    state.schedule_reason = "gone (410): polling stopped";
    spdlog::warn("feed={} url={} is gone (HTTP 410): polling stopped; remove it from {} or change its url", name,
                 state.url, config_.file.string());
    if (auto it = feeds_.find(name); it != feeds_.end() && !it->second.removed) it->second.state = state;
    due_.remove(name);
    save_state(std::move(state));
}

void Daemon::record_failure(const std::string& name, FeedState state, std::string outcome, std::string error,
                            std::optional<Seconds> retry_after) {
    if (round_) ++round_->failed;
    state.last_outcome = std::move(outcome);
    // Error texts carry what servers sent (reason phrases, Location): one safe line.
    state.last_error = printable(error, 1024);
    state.consecutive_failures += 1;
    const FeedRuntime* feed = nullptr;
    if (auto it = feeds_.find(name); it != feeds_.end()) feed = &it->second;
    if (retry_after && feed) {
        if (feed->spec->retry_after_override) {
            retry_after = feed->spec->retry_after_override;  // the operator's rule for this feed
        } else if (const std::string host = schedule::host_of(state.url); !host.empty()) {
            // The server asked for patience: every feed on that host waits, within reason.
            const SysTime until = schedule::host_hold_end(config_.daemon.schedule, clock_.now(), *retry_after);
            const auto before = holds_.held_until(host, clock_.now());
            holds_.hold(host, until, name);
            // Every daemon on the database waits with this one: the host asked all of us.
            if (config_.daemon.share_database) {
                on_pool(
                    leases_, [this, host, until, name] { return lease_store_->hold_host(host, until, name); },
                    [](Result<void> held) {
                        if (!held) spdlog::error("{}", held.error().message);
                    });
            }
            if (!before || until > *before)
                spdlog::info("feed={} host {} holds every feed until {} (Retry-After {}{})", name, host,
                             format_rfc3339(until), schedule::format_duration(*retry_after),
                             until < clock_.now() + *retry_after ? ", capped at max_backoff" : "");
        }
    }
    const auto next = plan_next(name, state, schedule::AttemptKind::failure, retry_after);
    spdlog::warn("feed={} url={} failed ({}): {}; failure {} in a row, next try {} ({})", name, state.url,
                 state.last_outcome, state.last_error, state.consecutive_failures, format_rfc3339(next.due),
                 next.reason);
    if (auto it = feeds_.find(name); it != feeds_.end() && !it->second.removed) {
        it->second.state = state;
        reschedule(name, next.due);
    }
    save_state(std::move(state));
}

void Daemon::save_state(FeedState state) {
    queued_states_.push_back(std::move(state));
    if (!states_being_saved_) save_queued_states();
}

void Daemon::save_queued_states() {
    states_being_saved_ = true;
    on_pool(
        db_,
        [this, states = std::exchange(queued_states_, {})]() mutable {
            return std::pair{states.size() == 1 ? std::vector<Result<void>>{store_->save_feed_state(states.front())}
                                                : store_->save_feed_states(states),
                             std::move(states)};
        },
        [this](std::pair<std::vector<Result<void>>, std::vector<FeedState>> done) {
            const auto& [results, states] = done;
            for (std::size_t k = 0; k < states.size(); ++k) {
                if (!results[k])
                    spdlog::error("feed={} cannot save its state: {}", states[k].name, results[k].error().message);
                finish_attempt(states[k].name);
            }
            // What came meanwhile goes in the next transaction.
            if (!queued_states_.empty()) {
                save_queued_states();
            } else {
                states_being_saved_ = false;
            }
            arm_wake_timer();
        });
}

void Daemon::finish_attempt(const std::string& name) {
    if (auto it = feeds_.find(name); it != feeds_.end()) {
        // Every path of an attempt has left its outcome in the state by now; a fetch cancelled by
        // shutdown or a feed dropped by a reload has not.
        if (!stopping_ && !it->second.removed) ++metrics_.attempts[it->second.state.last_outcome];
    }
    end_attempt(name);
}

void Daemon::end_attempt(const std::string& name) {
    if (auto it = feeds_.find(name); it != feeds_.end()) {
        it->second.in_flight = false;
        if (!it->second.host_in_hand.empty()) hand_back_host(std::exchange(it->second.host_in_hand, {}));
        if (it->second.removed) feeds_.erase(it);
    }
    --in_flight_;
    if (admission_room() == 1) arm_wake_timer();  // room again for feeds that waited
    // A round ends when nothing is in flight and nothing waits for room (feeds held back by
    // admission_room() are still this round's).
    const auto next_due = due_.earliest();
    if (in_flight_ == 0 && round_ && (!next_due || *next_due > clock_.now())) {
        const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - round_->started);
        const std::string summary = fmt::format(
            "cycle: {} feeds polled, {} not modified, {} failed, {} new items, {} updated, {} duplicates, "
            "{:.2f}s",
            round_->polled, round_->not_modified, round_->failed, round_->new_items, round_->updated_items,
            round_->duplicates, took.count());
        spdlog::info("{}", summary);
        ++metrics_.cycles;
        metrics_.last_cycle_seconds = took.count();
        if (mode_ == Mode::service) notify_status(summary);  // what `systemctl status` shows
        round_.reset();
        maintain_store();
    }
    maybe_finish();
}

// The story index is read when the first document with new items needs it, not at start-up:
// a cycle in which every feed answers 304 (most of them) never pays for it.
Result<void> Daemon::story_index(SysTime now) {
    if (story_index_) return {};
    auto index = std::make_unique<dedup::StoryEngineIndex>();
    const auto started = std::chrono::steady_clock::now();
    auto loaded = store_->load_story_index(*index, now - kStoryWindow);
    if (!loaded) return std::unexpected(loaded.error());
    story_index_ = std::move(index);
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    spdlog::info("story index: {} stories of the last {}h read in {:.2f}s ({} recomputed from their text)",
                 loaded->stories, std::chrono::duration_cast<std::chrono::hours>(kStoryWindow).count(), took.count(),
                 loaded->recomputed);
    return {};
}

void Daemon::request_checkpoint() {
    if (!checkpointer_ || checkpoint_requested_.exchange(true)) return;
    asio::post(wal_, [this] {
        auto done = checkpointer_->run();
        checkpoint_requested_ = false;
        // The writer's own checkpoints (Db::hand_checkpoints_over) keep the WAL bounded meanwhile.
        if (!done) spdlog::error("{}", done.error().message);
    });
}

void Daemon::on_store_lost(const Error& error) {
    if (failed_) return;
    failed_ = true;
    spdlog::critical("{}; stopping, since nothing written from now on would be kept", error.message);
    stop();
}

void Daemon::maintain_store() {
    if (maintenance_running_ || stopping_) return;
    maintenance_running_ = true;
    struct Checked {
        Result<void> file;
        Result<store::CheckpointResult> checkpoint;
    };
    on_pool(
        db_,
        [this] {
            Checked checked{.file = store_->check_file(), .checkpoint = store::CheckpointResult{}};
            if (checked.file) checked.checkpoint = store_->checkpoint();
            // A round's documents, bodies and batches are freed by now; what they left free inside
            // the heaps goes back to the system, so a daemon between rounds holds what it keeps
            // (the story index, the feeds), not the peak of its busiest round. A few milliseconds,
            // here rather than on the event loop.
            ::malloc_trim(0);
            return checked;
        },
        [this](Checked checked) {
            maintenance_running_ = false;
            if (!checked.file && checked.file.error().kind == ErrorKind::DbLost) {
                on_store_lost(checked.file.error());
            } else if (!checked.file) {
                spdlog::error("{}", checked.file.error().message);
            } else if (!checked.checkpoint) {
                spdlog::error("{}", checked.checkpoint.error().message);
            } else if (checked.checkpoint->busy && checked.checkpoint->wal_bytes > store::kWalWarningBytes) {
                spdlog::warn(
                    "store: the write-ahead log of {} is {} MiB: a reader's long transaction keeps it from "
                    "being copied back (close long-running readers of the database)",
                    database_shown(config_.daemon), checked.checkpoint->wal_bytes >> 20);
            }
            maybe_finish();
        });
}

void Daemon::maybe_finish() {
    if (in_flight_ > 0) return;
    if (maintenance_running_) return;
    if (mode_ == Mode::once && !stopping_ && due_.size() == 0) {
        namespace fs = std::filesystem;
        bool output_missing = false;
        for (const OutputSpec& output : config_.outputs)
            for (const auto& rep : publish::representations_of(output)) output_missing |= !fs::exists(rep.path);
        if ((changed_since_publish_ || output_missing) && !publish_running_) {
            changed_since_publish_ = false;
            request_publish();
            return;
        }
        if (publish_running_) return;
        stop();
        return;
    }
    if (stopping_ && mode_ == Mode::service && changed_since_publish_ && !publish_running_) {
        // A service leaves its files with everything it stored: the next start may be far off.
        request_publish();
        return;
    }
    if (stopping_ && !publish_running_) {
        // Nothing of ours is pending: drop what still waits on the loop
        // (idle keep-alive connections, curl's timers) and let run() return.
        io_.stop();
    }
}

void Daemon::maybe_prune(SysTime now) {
    if (mode_ != Mode::service || config_.daemon.retention <= Seconds{0} || prune_running_ || now < next_prune_) return;
    prune_running_ = true;
    next_prune_ = now + kPruneEvery;
    const SysTime unseen_since = now - config_.daemon.retention;
    on_pool(
        db_,
        [this, unseen_since] {
            auto pruned = store_->prune(unseen_since);
            // The index may hold a story just removed: read it again at the next ingest.
            if (pruned && pruned->stories > 0) story_index_.reset();
            return pruned;
        },
        [this](Result<store::PruneResult> pruned) {
            prune_running_ = false;
            report_prune(pruned);
            if (!pruned) return;
            // /status shows what the store holds, not what the feed's last ingest counted.
            for (const store::PruneResult::Feed& feed : pruned->feeds)
                if (const auto it = feeds_.find(feed.name); it != feeds_.end())
                    it->second.state.item_count = feed.items_left;
            if (pruned->stories > 0) request_publish();
        });
}

void Daemon::report_prune(const Result<store::PruneResult>& pruned) {
    const auto days = std::chrono::duration_cast<std::chrono::hours>(config_.daemon.retention).count() / 24;
    if (!pruned) {
        spdlog::error("retention: {} (nothing was removed)", pruned.error().message);
    } else if (pruned->items > 0) {
        spdlog::info("retention: removed {} items gone from their feeds for over {} days, and {} stories left empty",
                     pruned->items, days, pruned->stories);
    } else {
        spdlog::debug("retention: no item gone from its feed for over {} days", days);
    }
}

// A few lines per feed: rendered and compressed on the loop thread, like a 304 answer.
void Daemon::render_pages() {
    if (!http_ || pages_rendering_) return;  // the rendering under way answers the requests waiting
    metrics_.feeds.clear();
    metrics_.feeds.reserve(feeds_.size());
    for (const auto& [name, feed] : feeds_)
        if (!feed.removed)
            metrics_.feeds.push_back(publish::FeedGauges{.name = name,
                                                         .last_outcome = feed.state.last_outcome,
                                                         .consecutive_failures = feed.state.consecutive_failures,
                                                         .last_success = feed.state.last_success});
    metrics_.http_connections_evicted = http_->evicted_count();
    metrics_.host_holds.clear();
    if (config_.daemon.share_database) {
        sharing_.hosts_in_hand = hosts_in_hand_.size();
        sharing_.writes_files = writes_outputs_;
        metrics_.sharing = sharing_;
    }
    holds_.prune(clock_.now());
    for (const auto& [host, hold] : holds_.all())
        metrics_.host_holds.push_back({.host = host, .feed = hold.feed, .until = hold.until});
    // The status pages, from the loop's own copy of every feed's state (no database read).
    std::vector<publish::FeedHealth> health;
    health.reserve(feeds_.size());
    for (const auto& [name, feed] : feeds_)
        if (!feed.removed)
            health.push_back(publish::FeedHealth{
                .name = name, .url = feed.spec->url, .enabled = feed.spec->enabled, .state = feed.state});
    struct Pages {
        std::shared_ptr<const publish::Snapshot> metrics, html, json;
    };
    pages_rendering_ = true;
    on_pool(
        workers_,
        [metrics = metrics_, health = std::move(health), now = clock_.now()]() mutable {
            Pages pages;
            pages.metrics = publish::make_snapshot(publish::render_metrics(metrics), now,
                                                   std::string(publish::kMetricsContentType));
            publish::sort_failing_first(health);
            pages.html = publish::make_snapshot(publish::render_status_html(health, now), now,
                                                std::string(publish::kHtmlContentType), "no-cache");
            pages.json = publish::make_snapshot(publish::render_status_json(health, now), now,
                                                std::string(publish::kJsonContentType), "no-cache");
            return pages;
        },
        [this](Pages pages) {
            pages_rendering_ = false;
            if (!http_) return;
            serve("/metrics", std::move(pages.metrics));
            serve(std::string(publish::kStatusPath), std::move(pages.html));
            serve(std::string(publish::kStatusJsonPath), std::move(pages.json));
        });
}

void Daemon::request_publish() {
    if (publish_running_) {
        publish_again_ = true;
        return;
    }
    const auto started = std::chrono::steady_clock::now();
    if (mode_ == Mode::service && !stopping_ && started < last_publish_started_ + kMinPublishGap) {
        if (publish_waiting_) return;
        publish_waiting_ = true;
        publish_gap_timer_.expires_at(last_publish_started_ + kMinPublishGap);
        publish_gap_timer_.async_wait([this](const boost::system::error_code& ec) {
            publish_waiting_ = false;
            if (ec || stopping_) return;
            request_publish();
        });
        return;
    }
    last_publish_started_ = started;
    publish_running_ = true;
    publish_again_ = false;
    changed_since_publish_ = false;
    // A document published, with what the loop needs to announce it.
    struct Rendered {
        publish::PublishedDocument document;
        std::string output;  // name
        std::string hub;
    };
    // Everything an output needs from the loop's state, copied for the database thread.
    struct Job {
        OutputSpec output;
        std::string base;
        std::vector<std::string> feeds;
        std::string cache_control;
    };
    // One read per dedup mode and feed selection in use, of as many entries as its longest output
    // shows; the store filters by feed, so an output of a quiet feed is never empty because
    // louder ones filled the newest entries (nor shows a feed no longer configured).
    struct Read {
        OutputSpec::Dedup mode;
        std::vector<std::string> feeds;
        std::size_t limit = 0;
        std::optional<Result<std::vector<MergedItem>>> items;
    };
    struct Publication {
        std::vector<Job> jobs;
        std::vector<Read> reads;
        bool write_files = true;  // false: another daemon sharing the database writes them
    };
    Publication publication;
    for (const OutputSpec& output : config_.outputs)
        publication.jobs.push_back(
            Job{.output = output,
                .base = publish::public_base(output, config_.daemon, http_port()),
                .feeds = publish::selected_feeds(output, config_.feeds),
                .cache_control = publish::cache_control(output, config_.feeds, config_.daemon.schedule)});
    const auto read_of = [](std::vector<Read>& reads, const Job& job) {
        return std::find_if(reads.begin(), reads.end(),
                            [&job](const Read& r) { return r.mode == job.output.dedup && r.feeds == job.feeds; });
    };
    for (const Job& job : publication.jobs) {
        if (auto it = read_of(publication.reads, job); it != publication.reads.end())
            it->limit = std::max(it->limit, job.output.max_items);
        else
            publication.reads.push_back(
                Read{.mode = job.output.dedup, .feeds = job.feeds, .limit = job.output.max_items, .items = {}});
    }
    const SysTime now = clock_.now();
    // Two hops: the database thread reads the entries, a worker sanitizes their HTML and renders
    // them, so that neither HTML nor compression holds up the ingests.
    const auto render = [this, now, read_of](Publication publication) {
        std::vector<Rendered> rendered;
        for (Read& r : publication.reads)
            if (r.items && *r.items) entry_html_->sanitize(**r.items);
        entry_html_->forget_unshown();
        for (const Job& job : publication.jobs) {
            const Result<std::vector<MergedItem>>* items = &*read_of(publication.reads, job)->items;
            if (!*items) {
                rendered.push_back(Rendered{.document = {.url = job.output.url,
                                                         .snapshot = nullptr,
                                                         .error = items->error().message,
                                                         .self = {},
                                                         .changed = false},
                                            .output = job.output.name,
                                            .hub = {}});
                continue;
            }
            const std::span<const MergedItem> entries((*items)->data(),
                                                      std::min((*items)->size(), job.output.max_items));
            // Daemons sharing a database render the same entries to the same bytes (and ETags): the
            // build date is the newest entry's arrival, not the moment of rendering.
            SysTime built = now;
            if (config_.daemon.share_database && !entries.empty()) {
                built = SysTime{};
                for (const MergedItem& e : entries) built = std::max(built, e.first_seen);
            }
            for (publish::PublishedDocument& doc : publish::publish_output(
                     *render_cache_, job.output, entries, built, job.base, job.cache_control, publication.write_files))
                rendered.push_back(
                    Rendered{.document = std::move(doc), .output = job.output.name, .hub = job.output.hub});
        }
        return rendered;
    };
    on_pool(
        db_,
        [this, publication = std::move(publication)]() mutable {
            for (Read& r : publication.reads)
                r.items.emplace(store_->merged_items(r.limit, r.mode, std::span<const std::string>(r.feeds)));
            auto leading = store_->lead_publishing();
            if (!leading) spdlog::error("{}", leading.error().message);
            publication.write_files = leading.value_or(false);
            return std::move(publication);
        },
        [this, render](Publication publication) {
            if (config_.daemon.share_database && publication.write_files != writes_outputs_) {
                writes_outputs_ = publication.write_files;
                spdlog::info(writes_outputs_ ? "outputs: this daemon writes the output files now"
                                             : "outputs: another daemon sharing the database writes the output files; "
                                               "this one serves them over HTTP");
            }
            on_pool(
                workers_,
                [render, publication = std::move(publication)]() mutable { return render(std::move(publication)); },
                [this](std::vector<Rendered> rendered) {
                    for (Rendered& r : rendered) {
                        publish::PublishedDocument& doc = r.document;
                        if (!doc.error.empty()) spdlog::error("output {}: {}", doc.url, doc.error);
                        if (doc.snapshot && http_) serve(doc.url, std::move(doc.snapshot));
                        if (doc.changed && doc.error.empty() && !r.hub.empty() && hub_pinger_ && !stopping_)
                            hub_pinger_->ping(r.output, r.hub, doc.self);
                    }
                    spdlog::debug("published {} outputs", rendered.size());
                    publish_running_ = false;
                    if (publish_again_ && !stopping_) return request_publish();
                    maybe_finish();
                });
        });
}

// Daemons sharing a database: what the others ingested shows in this one's outputs, and when the
// daemon writing the files stops or dies another takes over, within this period.
void Daemon::arm_shared_publish() {
    if (stopping_) return;
    shared_publish_timer_.expires_after(std::min<std::chrono::seconds>(30s, config_.daemon.lease_time));
    shared_publish_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        request_publish();
        arm_shared_publish();
    });
}

void Daemon::stop() {
    if (stopping_) return;
    stopping_ = true;
    shared_publish_timer_.cancel();
    // What landed since the last publication (waiting for its gap, folded into a running
    // publication, or still being ingested) is published by maybe_finish once nothing is in flight.
    publish_gap_timer_.cancel();
    publish_waiting_ = false;
    if (mode_ == Mode::service) notify_stopping();
    signals_.cancel();
    wake_timer_.cancel();
    watchdog_timer_.cancel();
    if (http_) http_->stop();
    if (hub_pinger_) hub_pinger_->stop();
    if (fetcher_) fetcher_->cancel_all();
    spdlog::info("stopping: waiting for {} feeds in progress", in_flight_);
    maybe_finish();
}

void Daemon::reload() {
    struct Loaded {
        Result<Config> config;
        std::map<std::string, Credentials, std::less<>> credentials;
    };
    notify_reloading();
    // Files are read on a worker: the config and every password file.
    on_pool(
        workers_,
        [file = config_.file]() {
            Loaded loaded{.config = config::load_config(file), .credentials = {}};
            if (loaded.config)
                for (const FeedSpec& spec : loaded.config->feeds)
                    loaded.credentials[spec.name] = read_credentials(spec);
            return loaded;
        },
        [this](Loaded loaded) {
            if (stopping_) return;
            if (!loaded.config) {
                spdlog::error("reload rejected, keeping the running configuration:\n{}", loaded.config.error().message);
                notify_ready(
                    fmt::format("running: {} feeds; the last reload was rejected, see the log", active_feeds()));
                return;
            }
            apply_config(std::move(*loaded.config), std::move(loaded.credentials));
            notify_ready(fmt::format("running: {} feeds", active_feeds()));
        });
}

std::unique_ptr<publish::HttpServer> Daemon::make_http_server(const DaemonSettings& settings) const {
    const HttpSettings& limits = settings.http;
    return std::make_unique<publish::HttpServer>(
        io_, settings.listen_host, settings.listen_port,
        publish::HttpLimits{
            .max_connections = limits.max_connections,
            .header_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(limits.header_timeout),
            .idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(limits.idle_timeout)});
}

void Daemon::serve(std::string url, std::shared_ptr<const publish::Snapshot> snapshot) {
    served_[url] = snapshot;
    http_->publish(std::move(url), std::move(snapshot));
}

void Daemon::declare_pages(publish::HttpServer& server) {
    // Rendered when asked for; a page younger than the publication gap is served as it is, so
    // that a client asking in a loop costs one rendering every kMinPublishGap.
    const auto max_age = std::chrono::duration_cast<std::chrono::milliseconds>(kMinPublishGap);
    for (const std::string_view path : {std::string_view("/metrics"), publish::kStatusPath, publish::kStatusJsonPath})
        server.on_demand(std::string(path), max_age, [this] { render_pages(); });
}

std::string Daemon::rebind(const DaemonSettings& settings) {
    auto server = make_http_server(settings);
    declare_pages(*server);
    // An IP literal is bound at once; a host name is resolved here, on the loop, as at start-up.
    if (auto listening = server->start(); !listening) return listening.error().message;
    // The new address serves what the old one did from its first request; then the old one closes
    // (its open connections too: a client reconnects to the new address).
    for (const auto& [url, snapshot] : served_) server->publish(url, snapshot);
    http_->stop();
    http_ = std::move(server);
    return {};
}

void Daemon::apply_config(Config fresh, std::map<std::string, Credentials, std::less<>> credentials) {
    const config::ConfigDiff diff = config::diff_configs(config_, fresh);
    // What the running pieces were built with stays until a restart; the log line names it.
    const std::vector<std::string> waiting = config::keys_needing_restart(diff);
    fresh.daemon.database = config_.daemon.database;
    fresh.daemon.database_url = config_.daemon.database_url;
    fresh.daemon.database_password_file = config_.daemon.database_password_file;
    fresh.daemon.database_password_env = config_.daemon.database_password_env;
    fresh.daemon.log_level = config_.daemon.log_level;
    fresh.daemon.fetch = config_.daemon.fetch;
    fresh.daemon.http = config_.daemon.http;
    std::string listen_note;
    if (diff.listen_changed() && http_) {
        if (const std::string failed = rebind(fresh.daemon); !failed.empty()) {
            listen_note = " (" + failed + "; still serving on " + diff.listen_before + ")";
            fresh.daemon.listen_host = config_.daemon.listen_host;
            fresh.daemon.listen_port = config_.daemon.listen_port;
        } else if (fresh.daemon.listen_port == 0) {
            listen_note = " (port " + std::to_string(http_->port()) + ")";
        }
    }

    std::set<std::string, std::less<>> wanted;
    for (const FeedSpec& spec : fresh.feeds) {
        if (!spec.enabled) continue;
        wanted.insert(spec.name);
        auto it = feeds_.find(spec.name);
        if (it == feeds_.end() || it->second.removed) {
            if (it != feeds_.end())
                it->second.removed = false;
            else
                feeds_.emplace(spec.name, FeedRuntime{});
            FeedRuntime& feed = feeds_.at(spec.name);
            feed.spec = &spec;  // fresh's element: config_'s once fresh moves in below
            feed.retired_spec.reset();
            feed.credentials = std::move(credentials[spec.name]);
            continue;
        }
        if (!same_feed(*it->second.spec, spec)) {
            if (it->second.spec->url != spec.url) {
                // A different resource: its validators, moves and 410 mean nothing there.
                FeedState& state = it->second.state;
                state.etag.clear();
                state.last_modified.clear();
                state.moved_to.clear();
                state.moved_count = 0;
                if (state.gone) {
                    state.gone = false;
                    state.consecutive_failures = 0;
                    if (!it->second.in_flight) due_.set(spec.name, clock_.now());
                }
            }
        }
        it->second.spec = &spec;  // the new source line, for messages
        it->second.credentials = std::move(credentials[spec.name]);
    }
    for (auto it = feeds_.begin(); it != feeds_.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        due_.remove(it->first);
        if (it->second.in_flight) {
            it->second.removed = true;
            if (!it->second.retired_spec) {  // the old config_ goes below; its fetch still reads it
                it->second.retired_spec = std::make_unique<FeedSpec>(*it->second.spec);
                it->second.spec = it->second.retired_spec.get();
            }
            ++it;
        } else {
            it = feeds_.erase(it);
        }
    }
    // The public_url of [daemon] is in every link the outputs publish.
    const bool outputs_changed = diff.outputs_differ() || fresh.daemon.public_url != config_.daemon.public_url;
    if (outputs_changed && http_) {
        for (const OutputSpec& output : fresh.outputs)
            for (const auto& rep : publish::representations_of(output))
                if (!served_.contains(rep.url)) serve(rep.url, nullptr);  // 503 until rendered
    }
    config_ = std::move(fresh);
    // One line: what changed, what waits for a restart, and what is running now.
    std::string line = "reload: " + config::describe(diff);
    if (diff.listen_changed()) {
        const std::string listen = "listen " + diff.listen_before + " -> " + diff.listen_after;
        line.replace(line.find(listen), listen.size(), listen + listen_note);
    }
    if (!waiting.empty()) {
        line += "; after a restart: ";
        for (std::size_t i = 0; i < waiting.size(); ++i) line += (i ? ", " : "") + waiting[i];
    }
    line += "; " + std::to_string(active_feeds()) + " feeds active";
    if (waiting.empty() && listen_note.find("still serving") == std::string::npos)
        spdlog::info("{}", line);
    else
        spdlog::warn("{}", line);

    const SysTime now = clock_.now();
    on_pool(
        db_,
        [this, feeds = config_.feeds, now]() -> Result<std::vector<FeedState>> {
            if (auto synced = store_->sync_feeds(feeds, now); !synced) return std::unexpected(synced.error());
            return store_->feed_states();
        },
        [this, outputs_changed](Result<std::vector<FeedState>> states) {
            if (!states) {
                spdlog::error("reload: cannot update the feeds table: {}", states.error().message);
                return;
            }
            for (const FeedState& state : *states) {
                auto it = feeds_.find(state.name);
                // Only feeds new to this run take their state from the store;
                // the others keep the loop's, which is at least as fresh.
                if (it != feeds_.end() && !it->second.in_flight && !due_.contains(state.name)) it->second.state = state;
            }
            for (const FeedState& state : *states) schedule_at_startup(state, true);
            arm_wake_timer();
            if (outputs_changed) request_publish();
        });
}

}  // namespace tributary::app

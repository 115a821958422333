#include "app/cli.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>  // before any Asio header (GCC 12 + Boost coroutine headers)
#include <vector>

#include "app/daemon.hpp"
#include "app/logging.hpp"
#include "app/opml.hpp"
#include "config/config.hpp"
#include "core/log_levels.hpp"
#include "core/text.hpp"
#include "dedup/dedup.hpp"
#include "dedup/story_engine.hpp"
#include "dedup/story_features.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/fetcher.hpp"
#include "parse/parse_feed.hpp"
#include "store/backup.hpp"
#include "store/feed_store.hpp"

namespace tributary::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCannotWork = 3;

constexpr const char* kUsage = R"(Usage: tributary [options] <command> [arguments]

Polls the feeds listed in feeds.conf, removes duplicates, keeps everything in
SQLite and publishes one merged RSS feed (a file, and over HTTP).

Commands:
  run                  run the daemon in the foreground (SIGHUP reloads, SIGTERM stops)
  once                 poll every enabled feed once, store, publish, exit
  check                validate the configuration; lists every error
  status [--json]      show each feed's last fetch, outcome and next due time
  parse FILE|URL [--json] [--content-type TYPE] [--base URL] [--encoding NAME]
                       parse one feed and print what Tributary reads from it
  explain-story URL    which story the stored item with this link joined, and why;
                       how it scores now against its story and the nearest others
  backup FILE          an online, consistent copy of the database to FILE (while the
                       daemon runs; written to a temporary file, then renamed)
  import-opml FILE     append the feeds of an OPML file to the config as [feed] sections
                       (skips feeds already there; folders become tags)
  export-opml          print every feed of the config as OPML 2.0 (tags as folders)

Options:
  -c, --config FILE    configuration file (default: ./feeds.conf)
  -l, --log-level LVL  trace, debug, info, warn, error, critical or off, optionally per
                       stage: info,fetch=debug (stages: schedule, fetch, parse, store,
                       publish, http); over TRIBUTARY_LOG, itself over the config's
                       log_level (default info)
  -h, --help           show this help
  -V, --version        show the version
)";

struct Cli {
    std::string command;
    std::string config = "feeds.conf";
    std::string log_level;
    std::vector<std::string> arguments;
    bool json = false;
    std::string content_type;
    std::string base;
    std::string encoding;
};

std::optional<Cli> parse_arguments(int argc, char** argv, std::string& error) {
    Cli cli;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                error = std::string(arg) + " needs a value";
                return false;
            }
            out = argv[++i];
            return true;
        };
        if (arg == "-c" || arg == "--config") {
            if (!value(cli.config)) return std::nullopt;
        } else if (arg == "-l" || arg == "--log-level") {
            if (!value(cli.log_level)) return std::nullopt;
            if (auto levels = parse_log_levels(cli.log_level); !levels) {
                error = levels.error().message;
                return std::nullopt;
            }
        } else if (arg == "--json") {
            cli.json = true;
        } else if (arg == "--content-type") {
            if (!value(cli.content_type)) return std::nullopt;
        } else if (arg == "--base") {
            if (!value(cli.base)) return std::nullopt;
        } else if (arg == "--encoding") {
            if (!value(cli.encoding)) return std::nullopt;
        } else if (arg == "-h" || arg == "--help") {
            cli.command = "help";
            return cli;
        } else if (arg == "-V" || arg == "--version") {
            cli.command = "version";
            return cli;
        } else if (arg.starts_with('-') && arg.size() > 1) {
            error = "unknown option " + std::string(arg);
            return std::nullopt;
        } else if (cli.command.empty()) {
            cli.command = arg;
        } else {
            cli.arguments.emplace_back(arg);
        }
    }
    if (cli.command.empty()) {
        error = "no command given";
        return std::nullopt;
    }
    return cli;
}

// Each HTTP client and each transfer holds a descriptor; the usual soft limit of 1024 would let
// a crowd of idle clients exhaust them before http_max_connections does. The hard limit is the
// administrator's (systemd's LimitNOFILE=), so that is as far as we go.
void raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    const rlim_t wanted = limit.rlim_max;
    limit.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
        spdlog::warn("cannot raise the open-file limit to {}: {}", wanted, std::strerror(errno));
}

// glibc serves a request of 128 KiB or more with its own mapping, returned on free, but raises
// that threshold to the size of each such block freed (up to 32 MiB). The start-up's vectors of
// every feed's state raised it to several MiB, and from then on each fetched body, parsed
// document and statement buffer was carved out of the threads' heaps, where the holes it left
// between long-lived blocks (the story index) stayed resident. A fixed threshold turns that
// adjustment off: the cold cycle of 10,000 feeds peaked 5 MB lower (bench/cycle).
void keep_large_blocks_mapped() {
    constexpr int kMappedFrom = 128 * 1024;  // glibc's own default
    if (::mallopt(M_MMAP_THRESHOLD, kMappedFrom) != 1) spdlog::debug("malloc: cannot fix the mmap threshold");
}

int run_daemon(const Cli& cli, Mode mode) {
    keep_large_blocks_mapped();
    auto config = config::load_config(cli.config);
    if (!config) {
        init_logging("info", cli.log_level);
        spdlog::critical("invalid configuration:\n{}", config.error().message);
        return kExitFailed;
    }
    init_logging(config->daemon.log_level, cli.log_level);
    raise_descriptor_limit();
    fetch::CurlGlobal curl;  // before any thread starts
    boost::asio::io_context io{1};
    SystemClock clock;
    Daemon daemon{io, std::move(*config), mode, clock};
    if (auto started = daemon.start(); !started) {
        spdlog::critical("cannot start: {}", started.error().message);
        return kExitCannotWork;
    }
    try {
        io.run();
    } catch (const std::exception& e) {
        // A broken invariant, never bad input: leave with an error so systemd restarts us.
        spdlog::critical("fatal: {}", e.what());
        daemon.join();
        return kExitCannotWork;
    }
    daemon.join();
    if (daemon.failed()) return kExitCannotWork;
    spdlog::info("stopped");
    // Feeds that failed are the operator's news, not the daemon's failure.
    return kExitOk;
}

int run_check(const Cli& cli) {
    const auto config = config::load_config(cli.config);
    if (!config) {
        std::cerr << config.error().message << '\n';
        return kExitFailed;
    }
    for (const std::string& note : config->notes) std::cout << note << '\n';
    std::size_t enabled = 0;
    for (const FeedSpec& feed : config->feeds) enabled += feed.enabled ? 1 : 0;
    std::cout << config->file.string() << ": ok: " << config->feeds.size() << " feeds (" << enabled << " enabled), "
              << config->outputs.size() << " outputs, database " << database_shown(config->daemon) << '\n';
    // A SQLite file is created at start where the config says; a server must be reachable now.
    if (!config->daemon.database_url.empty()) {
        auto found = describe_database(config->daemon);
        if (!found) {
            std::cerr << found.error().message << '\n';
            return kExitCannotWork;
        }
        std::cout << "database " << config->daemon.database_url << ": " << *found << '\n';
    }
    return kExitOk;
}

std::string when(const std::optional<SysTime>& t) { return t ? format_rfc3339(*t) : "-"; }

// The config's database, for commands that only read it; prints the error and sets `exit_code`
// when either cannot be had.
std::optional<store::FeedStore> open_for_reading(const Cli& cli, int& exit_code) {
    const auto config = config::load_config(cli.config);
    if (!config) {
        std::cerr << config.error().message << '\n';
        exit_code = kExitFailed;
        return std::nullopt;
    }
    auto store = open_store(config->daemon, StoreAccess::reader);
    if (!store) {
        std::cerr << store.error().message << '\n';
        exit_code = kExitCannotWork;
        return std::nullopt;
    }
    return std::move(**store);
}

int run_status(const Cli& cli) {
    int exit_code = kExitOk;
    auto store = open_for_reading(cli, exit_code);
    if (!store) return exit_code;
    const auto states = store->feed_states();
    if (!states) {
        std::cerr << states.error().message << '\n';
        return kExitCannotWork;
    }
    // Daemons sharing a PostgreSQL database: which one is polling which feed right now.
    const auto leases = store->leases(std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now()));
    if (!leases) {
        std::cerr << leases.error().message << '\n';
        return kExitCannotWork;
    }
    const auto host_leases =
        store->host_leases(std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now()));
    if (!host_leases) {
        std::cerr << host_leases.error().message << '\n';
        return kExitCannotWork;
    }
    const auto lease_of = [&leases](const std::string& name) -> const store::FeedStore::Lease* {
        const auto it = leases->find(name);
        return it == leases->end() ? nullptr : &it->second;
    };
    if (cli.json) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const FeedState& s : *states) {
            out.push_back(
                {{"name", s.name},
                 {"url", s.url},
                 {"last_fetch", s.last_fetch ? nlohmann::ordered_json(format_rfc3339(*s.last_fetch)) : nullptr},
                 {"last_success", s.last_success ? nlohmann::ordered_json(format_rfc3339(*s.last_success)) : nullptr},
                 {"outcome", s.last_outcome},
                 {"http_status", s.http_status},
                 {"items", s.item_count},
                 {"consecutive_failures", s.consecutive_failures},
                 {"next_due", s.next_due ? nlohmann::ordered_json(format_rfc3339(*s.next_due)) : nullptr},
                 {"next_due_reason", s.schedule_reason},
                 {"last_error", s.last_error},
                 {"moved_to",
                  s.moved_to.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.moved_to)},
                 {"moved_count", s.moved_count},
                 {"gone", s.gone},
                 {"encoding", {{"declared", s.encoding_declared}, {"used", s.encoding_used}}},
                 {"lease", lease_of(s.name) ? nlohmann::ordered_json{{"daemon", lease_of(s.name)->owner},
                                                                     {"until", format_rfc3339(lease_of(s.name)->until)}}
                                            : nlohmann::ordered_json(nullptr)}});
        }
        std::cout << out.dump(2) << '\n';
        return kExitOk;
    }
    std::printf("%-24s %-14s %4s %6s %4s %-20s %-20s %-14s %s\n", "FEED", "OUTCOME", "HTTP", "ITEMS", "FAIL",
                "LAST FETCH", "NEXT DUE", "ENCODING", "WHY / NOTES");
    for (const FeedState& s : *states) {
        std::string notes = s.schedule_reason;
        const auto add = [&notes](const std::string& text) { notes += (notes.empty() ? "" : "; ") + text; };
        if (!s.moved_to.empty())
            add("moved permanently to " + s.moved_to + " (" + std::to_string(s.moved_count) + "x): edit its url");
        if (!s.last_error.empty()) add(s.last_error);
        if (const auto* lease = lease_of(s.name))
            add("being polled by " + lease->owner + " (leased until " + format_rfc3339(lease->until) + ")");
        std::string encoding = s.encoding_used.empty() ? "-" : s.encoding_used;
        if (!s.encoding_declared.empty() && s.encoding_declared != s.encoding_used)
            encoding += " (said " + s.encoding_declared + ")";
        // What servers sent (errors, Location, charset names) is escaped: a terminal must not obey it.
        std::printf("%-24s %-14s %4ld %6lld %4d %-20s %-20s %-14s %s\n", s.name.c_str(),
                    s.last_outcome.empty() ? "never" : printable(s.last_outcome).c_str(), s.http_status,
                    static_cast<long long>(s.item_count), s.consecutive_failures, when(s.last_fetch).c_str(),
                    s.gone ? "stopped" : when(s.next_due).c_str(), printable(encoding).c_str(),
                    printable(notes).c_str());
    }
    // Host names come from the configuration; printable() all the same, as every other column.
    for (const auto& [host, lease] : *host_leases)
        std::printf("host %s is polled by %s (leased until %s)\n", printable(host).c_str(),
                    printable(lease.owner).c_str(), format_rfc3339(lease.until).c_str());
    return kExitOk;
}

struct Document {
    std::string body;
    std::string content_type;
    std::string base;
};

Result<Document> read_document(const std::string& source) {
    if (source.starts_with("http://") || source.starts_with("https://")) {
        fetch::CurlGlobal curl;
        boost::asio::io_context io{1};
        fetch::Fetcher fetcher{io, FetchSettings{}};
        std::optional<FetchResult> fetched;
        FetchRequest request;
        request.feed_name = "cli";
        request.url = source;
        request.allow_private = true;  // an operator naming a URL by hand may well mean an intranet one
        fetcher.fetch(std::move(request), [&](FetchResult r) { fetched = std::move(r); });
        io.run();
        if (!fetched || fetched->outcome != FetchOutcome::fetched)
            return fail(ErrorKind::Network, fetched ? fetched->error : "fetch: " + source + ": no answer");
        return Document{std::move(fetched->body), fetched->content_type,
                        fetched->final_url.empty() ? source : fetched->final_url};
    }
    std::ifstream in(source, std::ios::binary);
    if (!in) return fail(ErrorKind::Io, source + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return Document{text.str(), {}, {}};
}

int run_parse(const Cli& cli) {
    if (cli.arguments.size() != 1) {
        std::cerr << "tributary parse: expected one FILE or URL\n";
        return kExitUsage;
    }
    init_logging("warn", cli.log_level);
    const std::string& source = cli.arguments.front();
    auto document = read_document(source);
    if (!document) {
        std::cerr << document.error().message << '\n';
        return kExitFailed;
    }
    const std::string content_type = cli.content_type.empty() ? document->content_type : cli.content_type;
    const std::string base = cli.base.empty() ? document->base : cli.base;
    const auto feed = parse::parse_feed(
        document->body,
        parse::ParseOptions{.content_type = content_type, .base_url = base, .encoding_override = cli.encoding});
    if (!feed) {
        std::cerr << source << ": " << feed.error().message << '\n';
        return kExitFailed;
    }
    if (cli.json) {
        std::cout << parse::to_json(*feed) << '\n';
        return kExitOk;
    }
    std::cout << source << ": " << to_string(feed->format) << ' ' << feed->version << ", \"" << feed->title << "\", "
              << feed->items.size() << " items, encoding " << (feed->encoding.used.empty() ? "?" : feed->encoding.used)
              << " (declared " << (feed->encoding.declared.empty() ? "nothing" : feed->encoding.declared) << ", from "
              << feed->encoding.source << ")\n";
    for (const std::string& warning : feed->warnings) std::cout << "  warning: " << warning << '\n';
    for (const ParsedItem& item : feed->items) {
        std::cout << "  - " << when(item.published) << "  " << item.title << '\n';
        if (!item.link.empty()) std::cout << "    " << item.link << '\n';
    }
    return kExitOk;
}

Result<std::string> read_text(const std::filesystem::path& file, std::size_t max_bytes) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(ErrorKind::Io, file.string() + ": cannot open: " + std::strerror(errno));
    std::string text;
    text.resize(max_bytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return fail(ErrorKind::Io, file.string() + ": cannot read: " + std::strerror(errno));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
        return fail(ErrorKind::TooLarge, file.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    return text;
}

// Replaces `file` with `text`: a temporary file beside it (the old one's mode, owner and
// group, so a daemon reading it through its group still can), fsync, rename, fsync of the
// directory. Errors read "<file>: <what>: <strerror>".
Result<void> replace_file(const std::filesystem::path& file, std::string_view text) {
    const auto failed = [&](const std::string& what) {
        return fail(ErrorKind::Io, file.string() + ": " + what + ": " + std::strerror(errno));
    };
    struct stat old {};
    const bool existed = ::stat(file.c_str(), &old) == 0;
    std::string temp = file.string() + ".tmp-XXXXXX";
    const int raw = ::mkostemp(temp.data(), O_CLOEXEC);
    if (raw < 0) return failed("create a temporary file");
    struct Guard {
        int fd;
        std::string path;
        bool keep = false;
        ~Guard() {
            if (fd >= 0) ::close(fd);
            if (!keep) ::unlink(path.c_str());
        }
    } guard{raw, temp};
    const mode_t mode = existed ? (old.st_mode & 07777) : 0644;
    if (::fchmod(raw, mode) != 0) return failed("chmod " + temp);
    if (existed && (old.st_uid != ::geteuid() || old.st_gid != ::getegid()) &&
        ::fchown(raw, old.st_uid, old.st_gid) != 0)
        return failed("give " + temp + " the owner and group of the file it replaces");
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(raw, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return failed("write " + temp);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(raw) != 0) return failed("fsync " + temp);
    if (::close(std::exchange(guard.fd, -1)) != 0) return failed("close " + temp);
    if (::rename(temp.c_str(), file.c_str()) != 0) return failed("rename " + temp);
    guard.keep = true;
    const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

int run_import_opml(const Cli& cli) {
    if (cli.arguments.size() != 1) {
        std::cerr << "tributary: import-opml takes one OPML FILE\n\n" << kUsage;
        return kExitUsage;
    }
    const std::filesystem::path opml_file = cli.arguments[0];
    const std::filesystem::path config_file = cli.config;
    auto opml_text = read_text(opml_file, kMaxOpmlBytes);
    if (!opml_text) {
        std::cerr << opml_text.error().message << '\n';
        return kExitFailed;
    }
    auto reading = read_opml(*opml_text, opml_file.string());
    if (!reading) {
        std::cerr << reading.error().message << '\n';
        return kExitFailed;
    }
    for (const std::string& warning : reading->warnings) std::cerr << "warning: " << warning << '\n';
    // The file as the operator wrote it, and the feeds it follows; a file that does not load
    // now is not touched (its errors are the operator's to fix first).
    std::string config_text;
    std::vector<FeedSpec> existing;
    std::error_code ec;
    if (std::filesystem::exists(config_file, ec)) {
        auto text = read_text(config_file, std::size_t{16} << 20);
        if (!text) {
            std::cerr << text.error().message << '\n';
            return kExitFailed;
        }
        auto config = config::parse_config(*text, config_file);
        if (!config) {
            std::cerr << config.error().message << "\ntributary: " << config_file.string()
                      << " does not load; fix it before importing into it\n";
            return kExitFailed;
        }
        config_text = std::move(*text);
        existing = std::move(config->feeds);
    }
    const ConfigAppend appended = append_feeds(config_text, existing, reading->feeds, opml_file.filename().string());
    for (const std::string& skipped : appended.skipped) std::cout << "skipped " << skipped << '\n';
    if (appended.added.empty()) {
        std::cout << config_file.string() << ": nothing to add (" << reading->feeds.size() << " feeds in "
                  << opml_file.string() << ")\n";
        return kExitOk;
    }
    // What is written is what the daemon will load: checked before it replaces the file.
    if (auto check = config::parse_config(appended.text, config_file); !check) {
        std::cerr << "tributary: the imported feeds would make " << config_file.string()
                  << " invalid; nothing written:\n"
                  << check.error().message << '\n';
        return kExitFailed;
    }
    if (auto written = replace_file(config_file, appended.text); !written) {
        std::cerr << written.error().message << '\n';
        return kExitFailed;
    }
    for (const std::string& name : appended.added) std::cout << "added [feed " << name << "]\n";
    std::cout << config_file.string() << ": " << appended.added.size() << " feeds added, " << appended.skipped.size()
              << " already there; `tributary check` shows the result, `systemctl reload tributary` applies it\n";
    return kExitOk;
}

int run_export_opml(const Cli& cli) {
    const auto config = config::load_config(cli.config);
    if (!config) {
        std::cerr << config.error().message << '\n';
        return kExitFailed;
    }
    std::cout << write_opml(config->feeds, "Tributary feeds from " + config->file.filename().string());
    return kExitOk;
}

int run_backup(const Cli& cli) {
    if (cli.arguments.size() != 1) {
        std::cerr << "tributary: backup takes one target FILE\n\n" << kUsage;
        return kExitUsage;
    }
    const auto config = config::load_config(cli.config);
    if (!config) {
        std::cerr << config.error().message << '\n';
        return kExitFailed;
    }
    if (!config->daemon.database_url.empty()) {
        std::cerr << "tributary: backup copies a SQLite database; " << config->daemon.database_url
                  << " is PostgreSQL: use pg_dump\n";
        return kExitFailed;
    }
    const std::filesystem::path target = cli.arguments[0];
    if (auto done = store::backup_database(config->daemon.database, target); !done) {
        std::cerr << done.error().message << '\n';
        return kExitFailed;
    }
    std::cout << "backed up " << config->daemon.database.string() << " to " << target.string() << '\n';
    return kExitOk;
}

// For a user who sees a wrong merge (or a missed one): what the store recorded when the item
// arrived, and what the engine says now, with the features that decide.
int run_explain_story(const Cli& cli) {
    if (cli.arguments.size() != 1) {
        std::cerr << "tributary: explain-story takes one item URL\n\n" << kUsage;
        return kExitUsage;
    }
    int exit_code = kExitOk;
    auto store = open_for_reading(cli, exit_code);
    if (!store) return exit_code;
    const std::string& url = cli.arguments[0];
    const auto items = store->items_at(url, dedup::canonical_url(url));
    if (!items) {
        std::cerr << items.error().message << '\n';
        return kExitCannotWork;
    }
    if (items->empty()) {
        std::cerr << "no stored item has the link " << printable(url) << '\n';
        return kExitFailed;
    }
    // The engine as the daemon holds it now: the stories of the window.
    dedup::StoryEngineIndex index;
    const SysTime now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    if (auto loaded = store->load_story_index(index, now - kStoryWindow); !loaded) {
        std::cerr << loaded.error().message << '\n';
        return kExitCannotWork;
    }
    const dedup::StoryEngine& engine = index.engine();
    std::cout << "story engine: " << engine.size() << " stories of the last "
              << std::chrono::duration_cast<std::chrono::hours>(kStoryWindow).count() << "h held, threshold "
              << fmt::format("{:.2f}", engine.weights().threshold) << "\n";
    for (const store::FeedStore::ItemTrace& trace : *items) {
        std::cout << "\nitem " << printable(trace.item.link) << "\n  feed " << printable(trace.feed_name)
                  << ", first seen " << format_rfc3339(trace.first_seen) << ", dated "
                  << (trace.item.published ? format_rfc3339(*trace.item.published) : std::string("-")) << "\n  title "
                  << printable(trace.item.title) << "\n  joined story " << trace.story_id << " ("
                  << printable(trace.story_guid) << ") as: " << printable(trace.reason.empty() ? "-" : trace.reason)
                  << '\n';
        const auto members = store->story_items(trace.story_id);
        if (!members) {
            std::cerr << members.error().message << '\n';
            return kExitCannotWork;
        }
        std::cout << "  story " << trace.story_id << " holds " << members->size() << " items:\n";
        for (const auto& member : *members)
            std::cout << "    " << (member.representative ? "* " : "  ") << printable(member.feed_name) << "  "
                      << format_rfc3339(member.first_seen) << "  " << printable(member.item.title) << "\n      "
                      << printable(member.item.link) << "  [" << printable(member.reason) << "]\n";

        const dedup::StoryFeatures features = dedup::extract_features(trace.item);
        const SysTime time = std::min(trace.item.published.value_or(trace.first_seen), trace.first_seen);
        std::vector<std::int64_t> compared;
        if (!trace.representative) compared.push_back(trace.story_id);
        for (const std::int64_t id : engine.candidates(features, time, kStoryWindow).stories)
            if (id != trace.story_id && compared.size() < 6) compared.push_back(id);
        std::cout << "  scored now (language " << features.language << "):\n";
        if (compared.empty()) std::cout << "    no other story of the window shares its rare words\n";
        for (const std::int64_t id : compared) {
            const auto decision = engine.score_against(features, time, id);
            if (!decision) {
                std::cout << "    story " << id << ": not in the window any more\n";
                continue;
            }
            std::cout << "    " << (id == trace.story_id ? "its story " : "story ") << id << ": "
                      << printable(decision->explanation.to_string(decision->score)) << '\n';
        }
    }
    return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::string error;
    const auto cli = parse_arguments(argc, argv, error);
    if (!cli) {
        std::cerr << "tributary: " << error << "\n\n" << kUsage;
        return kExitUsage;
    }
    try {
        if (cli->command == "help") {
            std::cout << kUsage;
            return kExitOk;
        }
        if (cli->command == "version") {
            std::cout << "tributary " << TRIBUTARY_VERSION << '\n';
            return kExitOk;
        }
        if (cli->command == "run") return run_daemon(*cli, Mode::service);
        if (cli->command == "once") return run_daemon(*cli, Mode::once);
        if (cli->command == "check") return run_check(*cli);
        if (cli->command == "status") return run_status(*cli);
        if (cli->command == "parse") return run_parse(*cli);
        if (cli->command == "explain-story") return run_explain_story(*cli);
        if (cli->command == "backup") return run_backup(*cli);
        if (cli->command == "import-opml") return run_import_opml(*cli);
        if (cli->command == "export-opml") return run_export_opml(*cli);
    } catch (const std::exception& e) {
        std::cerr << "tributary: fatal: " << e.what() << '\n';
        return kExitCannotWork;
    }
    std::cerr << "tributary: unknown command '" << cli->command << "'\n\n" << kUsage;
    return kExitUsage;
}

}  // namespace tributary::app

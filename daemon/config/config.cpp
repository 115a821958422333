#include "config/config.hpp"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "core/log_levels.hpp"
#include "core/text.hpp"
#include "core/url_safety.hpp"

namespace tributary::config {
namespace {

namespace fs = std::filesystem;

// Ignored: a section already reported as broken; its keys add no more noise.
enum class SectionKind { None, Ignored, Daemon, Output, Feed };

struct Section {
    SectionKind kind = SectionKind::None;
    std::string name;
    int line = 0;
    std::set<std::string, std::less<>> keys_seen;
};

// Collects every problem instead of stopping at the first, so `tributary
// check` can show the operator the whole list at once.
class Diagnostics {
public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}
    void add(int line, std::string_view reason) {
        messages_.push_back(file_ + ":" + std::to_string(line) + ": " + std::string(reason));
    }
    bool empty() const { return messages_.empty(); }
    std::string joined() const {
        std::string out;
        for (const auto& m : messages_) {
            if (!out.empty()) out += '\n';
            out += m;
        }
        return out;
    }

private:
    std::string file_;
    std::vector<std::string> messages_;
};

std::string_view strip_comment(std::string_view line) {
    // A comment starts at '#' or ';' at the beginning of the line or after
    // whitespace, so URLs with fragments ("…/feed#top") keep their '#'.
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((line[i] == '#' || line[i] == ';') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
            return line.substr(0, i);
    }
    return line;
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool valid_http_url(std::string_view url) {
    const std::string lower = to_lower_ascii(url.substr(0, 8));
    std::size_t host_start = 0;
    if (lower.starts_with("http://"))
        host_start = 7;
    else if (lower.starts_with("https://"))
        host_start = 8;
    else
        return false;
    if (url.size() <= host_start || url[host_start] == '/') return false;
    for (const char c : url)
        if (static_cast<unsigned char>(c) <= 0x20) return false;  // whitespace or controls inside a URL
    return true;
}

// An absolute http(s) URL to publish links under: no user info, query, fragment, space or control
// character. Normalised to end in '/' so that an output's path appends to it. nullopt when unusable.
std::optional<std::string> parse_public_url(std::string_view value) {
    if (!valid_http_url(value) || !is_publishable_url(value)) return std::nullopt;
    const std::size_t authority = value.find("://") + 3;
    const std::size_t authority_end = std::min(value.find('/', authority), value.size());
    const std::string_view host = value.substr(authority, authority_end - authority);
    if (host.empty() || host.find('@') != std::string_view::npos || host.starts_with(':')) return std::nullopt;
    for (const char c : value)
        if (c == '?' || c == '#' || c == '\\' || c == '"' || c == '<' || c == '>' ||
            static_cast<unsigned char>(c) >= 0x7F)
            return std::nullopt;  // non-ASCII too: a public URL is written percent-encoded
    std::string url(value);
    if (!url.ends_with('/')) url += '/';
    return url;
}

// BCP 47 in its common shapes: "ar", "fr-MA", "zh-Hant-TW".
bool valid_language_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > 35) return false;
    std::size_t part = 0;
    for (std::size_t i = 0; i <= tag.size(); ++i) {
        if (i == tag.size() || tag[i] == '-') {
            if (part == 0 || part > 8) return false;
            part = 0;
            continue;
        }
        const char c = tag[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
        ++part;
    }
    const std::size_t first = tag.find('-');
    const std::size_t primary = first == std::string_view::npos ? tag.size() : first;
    return primary >= 2 && primary <= 3;
}

const char* format_name(OutputSpec::Format format) {
    switch (format) {
        case OutputSpec::Format::rss: return "rss";
        case OutputSpec::Format::atom: return "atom";
        case OutputSpec::Format::json: return "json";
    }
    return "rss";
}

const char* format_extension(OutputSpec::Format format) {
    switch (format) {
        case OutputSpec::Format::rss: return ".xml";
        case OutputSpec::Format::atom: return ".atom";
        case OutputSpec::Format::json: return ".json";
    }
    return ".xml";
}

// "/news/merged.xml" -> "/news/merged": the name the other formats take their extension from.
std::string without_feed_extension(std::string_view name) {
    const std::size_t slash = name.find_last_of('/');
    const std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::string(name);
    const std::string extension = to_lower_ascii(name.substr(dot));
    if (extension == ".xml" || extension == ".rss" || extension == ".atom" || extension == ".json")
        return std::string(name.substr(0, dot));
    return std::string(name);
}

// The daemon's own paths (publish/http_server, publish/pages): no output may take them.
constexpr std::array<std::string_view, 5> kReservedUrls{"/healthz", "/metrics", "/status", "/status.json", "/feed.xsl"};
bool reserved_url(std::string_view url) {
    return std::find(kReservedUrls.begin(), kReservedUrls.end(), url) != kReservedUrls.end();
}

bool known_timezone(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    const std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(
        icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<int32_t>(name.size())))));
    if (!zone) return false;
    icu::UnicodeString id;
    zone->getID(id);
    return id != icu::UnicodeString("Etc/Unknown");
}

// A url as messages may show it: user info is a credential.
std::string shown_url(std::string_view url) {
    const UrlUserinfo split = split_userinfo(url);
    if (!split.present) return std::string(url);
    const std::size_t start = split.url.find("://") + 3;
    return split.url.substr(0, start) + "***@" + split.url.substr(start);
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return value;
}

// Permission bits in octal ("0644", "644", "0o640"): read/write/execute bits only (no set-id or
// sticky bit), never writable by others. nullopt otherwise.
std::optional<std::uint32_t> parse_file_mode(std::string_view text) {
    text = trim(text);
    if (text.starts_with("0o") || text.starts_with("0O")) text.remove_prefix(2);
    if (text.empty() || text.size() > 4) return std::nullopt;
    std::uint32_t mode = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, mode, 8);
    if (ec != std::errc{} || ptr != end || mode > 0777 || (mode & 0002) != 0) return std::nullopt;
    return mode;
}

std::optional<double> parse_fraction(std::string_view text) {
    // from_chars for double is in GCC 12's libstdc++.
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value < 0 || value > 0.5) return std::nullopt;
    return value;
}

std::vector<std::string> split_tags(std::string_view text) {
    std::vector<std::string> tags;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view tag = trim(text.substr(0, comma));
        if (!tag.empty()) tags.emplace_back(tag);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return tags;
}

struct Listen {
    std::string host;
    std::uint16_t port;
};

std::optional<Listen> parse_listen(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {  // [::1]:8080
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto number = parse_uint(port);
    if (host.empty() || !number || *number > 65535) return std::nullopt;
    return Listen{std::string(host), static_cast<std::uint16_t>(*number)};
}

bool is_postgresql_url(std::string_view value) {
    return value.starts_with("postgresql://") || value.starts_with("postgres://");
}

// Why a database URL may not be used ("" if it may): it is shown in logs, `check` and `status`,
// so it must not carry a password, neither as user:password@ nor as ?password=.
std::string postgresql_url_problem(std::string_view url) {
    std::string_view rest = url.substr(url.find("://") + 3);
    const auto authority_end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, authority_end);
    const auto at = authority.rfind('@');
    const bool password_in_userinfo =
        at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos;
    std::string_view query;
    if (const auto q = url.find('?'); q != std::string_view::npos) query = url.substr(q + 1);
    bool password_in_query = false;
    for (std::size_t start = 0; start <= query.size();) {
        const auto end = std::min(query.find('&', start), query.size());
        if (query.substr(start, end - start).starts_with("password=")) password_in_query = true;
        start = end + 1;
    }
    if (password_in_userinfo || password_in_query)
        return "the URL holds a password, which would be shown wherever the database is named; keep it in "
               "database_password_file (or database_password_env)";
    if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
        return "the URL has a space or a control character";
    return {};
}

fs::path resolve_against(const fs::path& config_file, std::string_view value) {
    fs::path p{std::string(value)};
    if (p.is_relative()) p = config_file.parent_path() / p;
    return p.lexically_normal();
}

class Parser {
public:
    Parser(const fs::path& file) : file_(fs::absolute(file).lexically_normal()), diag_(file.string()) {
        config_.file = file_;
        config_.daemon.database = resolve_against(file_, "tributary.db");
    }

    Result<Config> run(std::string_view text) {
        int line_no = 0;
        while (!text.empty()) {
            const auto eol = text.find('\n');
            std::string_view line = text.substr(0, eol);
            text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
            ++line_no;
            if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // BOM from some editors
            handle_line(trim(strip_comment(line)), line_no);
        }
        finish_section();
        if (config_.outputs.empty()) {
            OutputSpec output;
            output.name = "merged";
            output.path = resolve_against(file_, "merged.xml");
            output.source_line = 1;
            config_.outputs.push_back(std::move(output));
        }
        check_feeds_present(line_no);
        check_selections();
        derive_representations();
        inherit_daemon_defaults();
        check_paths_apart();
        check_database_password();
        note_public_url();
        if (!diag_.empty()) return fail(ErrorKind::Config, diag_.joined());
        return std::move(config_);
    }

private:
    // Every tag and feed an output names must exist: a typo would silently empty the output.
    void check_selections() {
        std::set<std::string, std::less<>> tags;
        std::set<std::string, std::less<>> names;
        for (const FeedSpec& feed : config_.feeds) {
            names.insert(feed.name);
            tags.insert(feed.tags.begin(), feed.tags.end());
        }
        for (const OutputSpec& output : config_.outputs) {
            const OutputLines& lines = output_lines_[output.name];
            for (const auto& [list, key, line] : {std::tuple{&output.include_tags, "include_tags", lines.include_tags},
                                                  std::tuple{&output.exclude_tags, "exclude_tags", lines.exclude_tags}})
                for (const std::string& tag : *list)
                    if (!tags.contains(tag))
                        diag_.add(line, "[output " + output.name + "] " + key + ": no feed has the tag '" + tag + "'");
            for (const std::string& name : output.feeds)
                if (!names.contains(name))
                    diag_.add(lines.feeds, "[output " + output.name + "] feeds: no [feed " + name + "]");
        }
    }

    // Each output in each of its formats: `format` at url/path, the others where the operator put
    // them, else beside it. A place the operator named is the operator's: two outputs given one
    // are an error (parse_config, check_paths_apart). A place made up here gives way instead: it
    // is left out, with a note, when another output (or the daemon) has it already.
    void derive_representations() {
        std::set<std::string, std::less<>> urls(kReservedUrls.begin(), kReservedUrls.end());
        std::set<fs::path> paths;
        struct Pending {
            OutputSpec* output;
            OutputSpec::Representation rep;
            bool derived;
        };
        std::vector<Pending> pending;
        for (OutputSpec& output : config_.outputs) {
            const OutputLines& lines = output_lines_[output.name];
            const std::vector<OutputSpec::Format>& formats = lines.formats.empty() ? kAllFormats : lines.formats;
            const auto index = [](OutputSpec::Format f) { return static_cast<std::size_t>(f); };
            // The primary format first, whether or not `formats` lists it: it is what `url` serves.
            OutputSpec::Representation primary{.format = output.format, .url = output.url, .path = output.path};
            if (!lines.urls[index(output.format)].empty()) primary.url = lines.urls[index(output.format)];
            if (!lines.paths[index(output.format)].empty()) primary.path = lines.paths[index(output.format)];
            output.url = primary.url;
            output.path = primary.path;
            pending.push_back({&output, primary, false});
            for (const OutputSpec::Format format : formats) {
                if (format == output.format) continue;
                const std::string& url = lines.urls[index(format)];
                const fs::path& path = lines.paths[index(format)];
                OutputSpec::Representation rep{
                    .format = format,
                    .url = url.empty() ? without_feed_extension(output.url) + format_extension(format) : url,
                    .path = path.empty()
                                ? fs::path(without_feed_extension(output.path.string()) + format_extension(format))
                                : path};
                pending.push_back({&output, std::move(rep), url.empty() || path.empty()});
            }
        }
        // Named places first, so that a made-up one never takes a place an operator named later.
        for (const bool derived : {false, true}) {
            for (Pending& p : pending) {
                if (p.derived != derived) continue;
                const bool url_free = !urls.contains(p.rep.url);
                const bool path_free = !paths.contains(p.rep.path);
                if (derived && (!url_free || !path_free)) {
                    const int line = p.output->source_line;
                    config_.notes.push_back(file_.string() + ":" + std::to_string(line) + ": [output " +
                                            p.output->name + "] is not published as " + format_name(p.rep.format) +
                                            ": " + (url_free ? p.rep.path.string() : p.rep.url) +
                                            " is another output's; set " + format_name(p.rep.format) + "_url and " +
                                            format_name(p.rep.format) + "_path to publish it");
                    continue;
                }
                urls.insert(p.rep.url);
                paths.insert(p.rep.path);
                p.output->representations.push_back(std::move(p.rep));
            }
        }
        for (OutputSpec& output : config_.outputs)
            std::stable_sort(output.representations.begin(), output.representations.end(),
                             [&output](const auto& a, const auto& b) {
                                 return (a.format == output.format) > (b.format == output.format);
                             });
    }

    // What an output does not say itself it takes from [daemon], wherever [daemon] is in the file.
    void inherit_daemon_defaults() {
        for (OutputSpec& output : config_.outputs) {
            const OutputLines& lines = output_lines_[output.name];
            if (!lines.file_mode) output.file_mode = config_.daemon.file_mode;
            if (!lines.hub) output.hub = config_.daemon.hub;
        }
    }

    // Without a public URL, the links name the listen address, which subscribers elsewhere cannot
    // reach: said once, by `check`.
    void note_public_url() {
        if (!config_.daemon.public_url.empty()) return;
        const bool every_output_has_one = std::all_of(config_.outputs.begin(), config_.outputs.end(),
                                                      [](const OutputSpec& o) { return !o.public_url.empty(); });
        if (every_output_has_one) return;
        const std::string& host = config_.daemon.listen_host;
        const bool wildcard = host == "0.0.0.0" || host == "::";
        const std::string shown =
            wildcard ? "localhost" : (host.find(':') != std::string::npos ? "[" + host + "]" : host);
        config_.notes.push_back(file_.string() + ":" + std::to_string(daemon_line_) +
                                ": no public_url in [daemon]: the published feeds link to the listen address http://" +
                                shown + ":" + std::to_string(config_.daemon.listen_port) +
                                "/; set public_url to the address subscribers reach");
    }

    void check_feeds_present(int last_line) {
        if (config_.daemon.allow_no_feeds) return;
        const bool any_enabled =
            std::any_of(config_.feeds.begin(), config_.feeds.end(), [](const FeedSpec& f) { return f.enabled; });
        if (any_enabled) return;
        diag_.add(std::max(1, last_line),
                  config_.feeds.empty()
                      ? "no [feed NAME] section: nothing would be polled (an empty or truncated file?); add feeds, "
                        "or set allow_no_feeds = yes in [daemon] if this is meant"
                      : "every feed is disabled: nothing would be polled; enable one, or set allow_no_feeds = yes "
                        "in [daemon] if this is meant");
    }

    void check_database_password() {
        const DaemonSettings& d = config_.daemon;
        if (d.share_database && d.database_url.empty())
            diag_.add(share_line_,
                      "share_database = yes needs a postgresql:// database (a SQLite file has one daemon)");
        if (database_password_line_ == 0) return;
        if (d.database_url.empty())
            diag_.add(database_password_line_,
                      "a database password is set, but database is not a postgresql:// URL (a SQLite file needs none)");
        else if (!d.database_password_file.empty() && !d.database_password_env.empty())
            diag_.add(database_password_line_,
                      "both database_password_file and database_password_env are set: keep one (the file is the "
                      "safer place)");
    }

    // Two things written to one path destroy each other: the first cycle would replace the
    // database (or the config, or another output) with a feed.
    void check_paths_apart() {
        std::error_code ec;
        const auto canonical = [&ec](const fs::path& p) {
            fs::path c = fs::weakly_canonical(p, ec);
            return ec ? p.lexically_normal() : c;
        };
        // A PostgreSQL database is no file of ours.
        const fs::path database =
            config_.daemon.database_url.empty() ? canonical(config_.daemon.database) : fs::path("/dev/null/none");
        std::vector<std::pair<fs::path, std::string>> taken{
            {database, "the database (line " + std::to_string(database_line_) + ")"},
            {fs::path(database.string() + "-wal"), "the database's write-ahead log"},
            {fs::path(database.string() + "-shm"), "the database's shared-memory file"},
            {fs::path(database.string() + "-journal"), "the database's journal"},
            {fs::path(database.string() + ".lock"), "the database's lock file"},
            {canonical(file_), "the configuration file"},
        };
        if (database == canonical(file_))
            diag_.add(database_line_, "database " + config_.daemon.database.string() + " is the configuration file");
        for (const OutputSpec& output : config_.outputs) {
            const auto line_it = output_names_.find(output.name);
            const int line = line_it == output_names_.end() ? 1 : line_it->second;
            for (const OutputSpec::Representation& rep : output.representations) {
                const fs::path path = canonical(rep.path);
                const auto same =
                    std::find_if(taken.begin(), taken.end(), [&](const auto& t) { return t.first == path; });
                if (same != taken.end()) {
                    diag_.add(line, "[output " + output.name + "] path " + rep.path.string() + " is " + same->second);
                    continue;
                }
                if (fs::is_directory(path, ec)) {
                    diag_.add(line, "[output " + output.name + "] path " + rep.path.string() + " is a directory");
                    continue;
                }
                taken.emplace_back(path,
                                   "the path of [output " + output.name + "] (line " + std::to_string(line) + ")");
            }
        }
    }

    void handle_line(std::string_view line, int line_no) {
        if (line.empty()) return;
        if (line.front() == '[') {
            open_section(line, line_no);
            return;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            diag_.add(line_no, "expected 'key = value' or '[section]', got '" + printable(line, 120) + "'");
            return;
        }
        const std::string key = to_lower_ascii(trim(line.substr(0, eq)));
        const std::string_view value = trim(line.substr(eq + 1));
        if (section_.kind == SectionKind::None) {
            diag_.add(line_no, "key '" + key + "' outside of any section");
            return;
        }
        if (section_.kind == SectionKind::Ignored) return;
        if (key.empty()) {
            diag_.add(line_no, "empty key");
            return;
        }
        if (!section_.keys_seen.insert(key).second) {
            diag_.add(line_no, "duplicate key '" + key + "' in " + section_label());
            return;
        }
        switch (section_.kind) {
            case SectionKind::Ignored: break;
            case SectionKind::Daemon: daemon_key(key, value, line_no); break;
            case SectionKind::Output: output_key(key, value, line_no); break;
            case SectionKind::Feed: feed_key(key, value, line_no); break;
            case SectionKind::None: break;
        }
    }

    void open_section(std::string_view line, int line_no) {
        finish_section();
        section_ = Section{};
        section_.line = line_no;
        section_.kind = SectionKind::Ignored;
        if (!line.ends_with(']')) {
            diag_.add(line_no, "section header without closing ']'");
            return;
        }
        const std::string_view inner = trim(line.substr(1, line.size() - 2));
        const auto space = inner.find_first_of(" \t");
        const std::string kind = to_lower_ascii(inner.substr(0, space));
        const std::string_view name = space == std::string_view::npos ? std::string_view{} : trim(inner.substr(space));
        if (kind == "daemon") {
            if (!name.empty()) diag_.add(line_no, "[daemon] takes no name");
            if (daemon_seen_) diag_.add(line_no, "duplicate [daemon] section");
            daemon_seen_ = true;
            daemon_line_ = line_no;
            section_.kind = SectionKind::Daemon;
            return;
        }
        if (kind != "feed" && kind != "output") {
            diag_.add(line_no,
                      "unknown section [" + std::string(inner) + "] (expected [daemon], [output NAME] or [feed NAME])");
            return;
        }
        if (!valid_name(name)) {
            diag_.add(line_no, "[" + kind + "] needs a name of letters, digits, '-', '_' or '.', got '" +
                                   std::string(name) + "'");
            return;
        }
        auto& names = kind == "feed" ? feed_names_ : output_names_;
        if (const auto it = names.find(std::string(name)); it != names.end()) {
            diag_.add(line_no, "duplicate " + kind + " name '" + std::string(name) + "' (first defined at line " +
                                   std::to_string(it->second) + ")");
            return;
        }
        names.emplace(std::string(name), line_no);
        section_.name = std::string(name);
        if (kind == "feed") {
            section_.kind = SectionKind::Feed;
            feed_ = FeedSpec{};
            feed_.name = section_.name;
            feed_.source_file = file_.string();
            feed_.source_line = line_no;
        } else {
            section_.kind = SectionKind::Output;
            output_ = OutputSpec{};
            output_.name = section_.name;
            output_.path = resolve_against(file_, section_.name + ".xml");
            output_.url = "/" + section_.name + ".xml";
            output_.source_line = line_no;
        }
    }

    void finish_section() {
        if (section_.kind == SectionKind::Feed) {
            if (feed_.url.empty() && !section_.keys_seen.contains("url"))
                diag_.add(section_.line, "[feed " + feed_.name + "] has no url");
            if (url_had_userinfo_ &&
                (section_.keys_seen.contains("username") || section_.keys_seen.contains("password_file") ||
                 section_.keys_seen.contains("password_env")))
                diag_.add(url_line_, "[feed " + feed_.name +
                                         "] has credentials both in its url and in username/password_file/"
                                         "password_env: keep one (password_file is the safer place)");
            url_had_userinfo_ = false;
            config_.feeds.push_back(std::move(feed_));
        } else if (section_.kind == SectionKind::Output) {
            config_.outputs.push_back(std::move(output_));
        }
        section_.kind = SectionKind::None;
    }

    std::string section_label() const {
        switch (section_.kind) {
            case SectionKind::Daemon: return "[daemon]";
            case SectionKind::Output: return "[output " + section_.name + "]";
            case SectionKind::Feed: return "[feed " + section_.name + "]";
            case SectionKind::None:
            case SectionKind::Ignored: break;
        }
        return "(no section)";
    }

    void bad_value(int line_no, std::string_view key, std::string_view value, std::string_view expected) {
        diag_.add(line_no, "bad value '" + std::string(value) + "' for '" + std::string(key) + "' in " +
                               section_label() + ": expected " + std::string(expected));
    }

    void unknown_key(int line_no, std::string_view key) {
        diag_.add(line_no, "unknown key '" + std::string(key) + "' in " + section_label());
    }

    void set_duration(Seconds& out, std::string_view key, std::string_view value, int line_no) {
        if (const auto d = parse_duration(value))
            out = *d;
        else
            bad_value(line_no, key, value, "a duration such as 30s, 15m, 2h or 1d");
    }

    template <class Int>
    void set_count(Int& out, std::string_view key, std::string_view value, int line_no, std::uint64_t max) {
        const auto n = parse_uint(value);
        if (n && *n >= 1 && *n <= max)
            out = static_cast<Int>(*n);
        else
            bad_value(line_no, key, value, "a whole number from 1 to " + std::to_string(max));
    }

    // A WebSub hub: an absolute http(s) URL without user info (a hub's token belongs in its path or
    // query, which log lines never show).
    bool set_hub(std::string& out, std::string_view key, std::string_view value, int line_no) {
        const UrlUserinfo split = split_userinfo(value);
        if (!valid_http_url(value) || !is_publishable_url(value) || split.present ||
            value.find_first_of("<>\"\\") != std::string_view::npos) {
            bad_value(line_no, key, shown_url(value),
                      "an absolute http:// or https:// URL without user info, such as "
                      "https://hub.example/");
            return false;
        }
        out = std::string(value);
        return true;
    }

    bool set_file_mode(std::uint32_t& out, std::string_view key, std::string_view value, int line_no) {
        const auto mode = parse_file_mode(value);
        if (!mode) {
            bad_value(line_no, key, value,
                      "permission bits in octal such as 0644 or 0640, not writable by others (no 0002 bit) and "
                      "without set-id or sticky bits");
            return false;
        }
        out = *mode;
        return true;
    }

    // Shorter, and a story whose items left their feeds a few days ago could be forgotten while
    // other sites still republish it: it would reach the merged feed a second time.
    static constexpr Seconds kMinimumRetention = 168h;

    void daemon_key(const std::string& key, std::string_view value, int line_no) {
        DaemonSettings& d = config_.daemon;
        if (key == "database") {
            if (value.empty()) return bad_value(line_no, key, value, "a file path or a postgresql:// URL");
            database_line_ = line_no;
            if (is_postgresql_url(value)) {
                if (const std::string why = postgresql_url_problem(value); !why.empty())
                    return diag_.add(line_no, "database: " + why);
                d.database_url = std::string(value);
                return;
            }
            d.database_url.clear();
            d.database = resolve_against(file_, value);
        } else if (key == "database_password_file") {
            if (value.empty()) return bad_value(line_no, key, value, "a file path");
            d.database_password_file = resolve_against(file_, value).string();
            database_password_line_ = line_no;
        } else if (key == "share_database") {
            if (const auto b = parse_bool(value))
                d.share_database = *b;
            else
                bad_value(line_no, key, value, "yes or no");
            share_line_ = line_no;
        } else if (key == "lease_time") {
            set_duration(d.lease_time, key, value, line_no);
            if (d.lease_time < Seconds{1}) bad_value(line_no, key, value, "a duration of a second or more");
        } else if (key == "database_password_env") {
            if (value.empty()) return bad_value(line_no, key, value, "an environment variable's name");
            d.database_password_env = std::string(value);
            database_password_line_ = line_no;
        } else if (key == "allow_no_feeds") {
            if (const auto b = parse_bool(value))
                d.allow_no_feeds = *b;
            else
                bad_value(line_no, key, value, "yes or no");
        } else if (key == "http_max_connections") {
            set_count(d.http.max_connections, key, value, line_no, 100000);
        } else if (key == "http_header_timeout") {
            set_duration(d.http.header_timeout, key, value, line_no);
        } else if (key == "http_idle_timeout") {
            set_duration(d.http.idle_timeout, key, value, line_no);
        } else if (key == "public_url") {
            const auto url = parse_public_url(value);
            if (!url)
                return bad_value(line_no, key, value,
                                 "an absolute http:// or https:// URL without user, query or fragment, such as "
                                 "https://news.example.org/");
            d.public_url = *url;
        } else if (key == "file_mode") {
            set_file_mode(d.file_mode, key, value, line_no);
        } else if (key == "hub") {
            set_hub(d.hub, key, value, line_no);
        } else if (key == "listen") {
            const auto listen = parse_listen(value);
            if (!listen) return bad_value(line_no, key, value, "host:port, e.g. 127.0.0.1:8080 or [::1]:8080");
            d.listen_host = listen->host;
            d.listen_port = listen->port;
        } else if (key == "interval") {
            set_duration(d.schedule.default_interval, key, value, line_no);
        } else if (key == "min_interval") {
            set_duration(d.schedule.min_interval, key, value, line_no);
        } else if (key == "max_interval") {
            set_duration(d.schedule.max_interval, key, value, line_no);
        } else if (key == "max_backoff") {
            set_duration(d.schedule.max_backoff, key, value, line_no);
        } else if (key == "jitter") {
            if (const auto j = parse_fraction(value))
                d.schedule.jitter = *j;
            else
                bad_value(line_no, key, value, "a fraction from 0 to 0.5");
        } else if (key == "startup_spread") {
            set_duration(d.schedule.startup_spread, key, value, line_no);
        } else if (key == "retention") {
            if (trim(value) == "0" || iequals_ascii(trim(value), "off"))  // keep every item forever
                d.retention = Seconds{0};
            else if (const auto r = parse_duration(value); r && *r >= kMinimumRetention)
                d.retention = *r;
            else
                bad_value(line_no, key, value, "a duration of 7d or more such as 90d, or off");
        } else if (key == "allow_private") {
            if (const auto b = parse_bool(value))
                d.allow_private = *b;
            else
                bad_value(line_no, key, value, "yes or no");
        } else if (key == "log_level") {
            // A level ("info"), or levels per stage ("info, fetch=debug"): core/log_levels.hpp.
            if (!parse_log_levels(value))
                return bad_value(line_no, key, value,
                                 "trace, debug, info, warn, error, critical or off, optionally followed by "
                                 "STAGE=LEVEL entries (info, fetch=debug)");
            d.log_level = to_lower_ascii(value);
        } else if (key == "connect_timeout") {
            set_duration(d.fetch.connect_timeout, key, value, line_no);
        } else if (key == "timeout") {
            set_duration(d.fetch.total_timeout, key, value, line_no);
        } else if (key == "max_body") {
            if (const auto n = parse_size(value); n && *n >= 1024)
                d.fetch.max_body_bytes = *n;
            else
                bad_value(line_no, key, value, "a size of at least 1K, such as 16M");
        } else if (key == "max_redirects") {
            set_count(d.fetch.max_redirects, key, value, line_no, 20);
        } else if (key == "max_concurrent") {
            set_count(d.fetch.max_concurrent, key, value, line_no, 1000);
        } else if (key == "max_per_host") {
            set_count(d.fetch.max_per_host, key, value, line_no, 64);
        } else if (key == "user_agent") {
            d.fetch.user_agent = std::string(value);
        } else if (key == "min_host_spacing") {
            if (trim(value) == "0")  // no spacing: for intranet hosts and tests
                d.fetch.min_host_spacing = Seconds{0};
            else
                set_duration(d.fetch.min_host_spacing, key, value, line_no);
        } else if (key == "low_speed_time") {
            set_duration(d.fetch.low_speed_time, key, value, line_no);
        } else if (key == "low_speed_limit") {
            if (const auto n = parse_size(value); n && *n >= 1 && *n <= (1u << 30))
                d.fetch.low_speed_bytes = static_cast<long>(*n);
            else
                bad_value(line_no, key, value, "bytes per second, such as 1 or 1K");
        } else if (key == "max_header") {
            if (const auto n = parse_size(value); n && *n >= 1024)
                d.fetch.max_header_bytes = *n;
            else
                bad_value(line_no, key, value, "a size of at least 1K, such as 64K");
        } else {
            unknown_key(line_no, key);
        }
    }

    void output_key(const std::string& key, std::string_view value, int line_no) {
        if (key == "path") {
            if (value.empty()) return bad_value(line_no, key, value, "a file path");
            output_.path = resolve_against(file_, value);
        } else if (key == "url") {
            if (!valid_output_url(value, key, line_no)) return;
            output_.url = std::string(value);
        } else if (key == "title") {
            output_.title = std::string(value);
        } else if (key == "link") {
            if (!valid_http_url(value)) return bad_value(line_no, key, value, "an http:// or https:// URL");
            output_.link = std::string(value);
        } else if (key == "description") {
            output_.description = std::string(value);
        } else if (key == "max_items") {
            set_count(output_.max_items, key, value, line_no, 100000);
        } else if (key == "dedup") {
            if (iequals_ascii(value, "story"))
                output_.dedup = OutputSpec::Dedup::story;
            else if (iequals_ascii(value, "url"))
                output_.dedup = OutputSpec::Dedup::url;
            else if (iequals_ascii(value, "item"))
                output_.dedup = OutputSpec::Dedup::item;
            else
                bad_value(line_no, key, value, "story, url or item");
        } else if (key == "format") {
            if (const auto format = parse_format(value))
                output_.format = *format;
            else
                bad_value(line_no, key, value, "rss, atom or json");
        } else if (key == "formats") {
            OutputLines& lines = output_lines_[output_.name];
            for (const std::string& name : split_tags(value)) {
                const auto format = parse_format(name);
                if (!format) return bad_value(line_no, key, value, "a list of rss, atom and json");
                if (std::find(lines.formats.begin(), lines.formats.end(), *format) == lines.formats.end())
                    lines.formats.push_back(*format);
            }
            if (lines.formats.empty()) bad_value(line_no, key, value, "a list of rss, atom and json");
        } else if (key == "rss_url" || key == "atom_url" || key == "json_url") {
            if (!valid_output_url(value, key, line_no)) return;
            output_lines_[output_.name].urls[static_cast<std::size_t>(*parse_format(key.substr(0, key.find('_'))))] =
                std::string(value);
        } else if (key == "rss_path" || key == "atom_path" || key == "json_path") {
            if (value.empty()) return bad_value(line_no, key, value, "a file path");
            output_lines_[output_.name].paths[static_cast<std::size_t>(*parse_format(key.substr(0, key.find('_'))))] =
                resolve_against(file_, value);
        } else if (key == "public_url") {
            const auto url = parse_public_url(value);
            if (!url)
                return bad_value(line_no, key, value,
                                 "an absolute http:// or https:// URL without user, query or fragment, such as "
                                 "https://news.example.org/");
            output_.public_url = *url;
        } else if (key == "file_mode") {
            if (set_file_mode(output_.file_mode, key, value, line_no)) output_lines_[output_.name].file_mode = true;
        } else if (key == "hub") {
            // "hub = none" in an output: no hub there, whatever [daemon] says.
            if (iequals_ascii(value, "none") || set_hub(output_.hub, key, value, line_no))
                output_lines_[output_.name].hub = true;
        } else if (key == "language") {
            if (!valid_language_tag(value)) return bad_value(line_no, key, value, "a language tag such as ar or fr-MA");
            output_.language = std::string(value);
        } else if (key == "content") {
            if (iequals_ascii(value, "full"))
                output_.content = OutputSpec::Content::full;
            else if (iequals_ascii(value, "summary"))
                output_.content = OutputSpec::Content::summary;
            else
                bad_value(line_no, key, value, "full or summary");
        } else if (key == "include_tags") {
            output_.include_tags = split_tags(value);
            output_lines_[output_.name].include_tags = line_no;
        } else if (key == "exclude_tags") {
            output_.exclude_tags = split_tags(value);
            output_lines_[output_.name].exclude_tags = line_no;
        } else if (key == "feeds") {
            output_.feeds = split_tags(value);
            output_lines_[output_.name].feeds = line_no;
        } else {
            unknown_key(line_no, key);
        }
    }

    static std::optional<OutputSpec::Format> parse_format(std::string_view value) {
        if (iequals_ascii(value, "rss")) return OutputSpec::Format::rss;
        if (iequals_ascii(value, "atom")) return OutputSpec::Format::atom;
        if (iequals_ascii(value, "json")) return OutputSpec::Format::json;
        return std::nullopt;
    }

    bool valid_output_url(std::string_view value, std::string_view key, int line_no) {
        if (!value.starts_with('/') || value.starts_with("//") ||
            value.find_first_of(" \t?#\\") != std::string_view::npos) {
            bad_value(line_no, key, value, "a path starting with '/', such as /merged.xml");
            return false;
        }
        if (reserved_url(value)) {  // the daemon's own endpoints
            bad_value(line_no, key, value, "a path other than /healthz, /metrics, /status, /status.json and /feed.xsl");
            return false;
        }
        return true;
    }

    void feed_key(const std::string& key, std::string_view value, int line_no) {
        if (key == "url") {
            if (!valid_http_url(value)) return bad_value(line_no, key, shown_url(value), "an http:// or https:// URL");
            // User info is a credential: it goes with the request, never into the stored or shown url.
            UrlUserinfo split = split_userinfo(value);
            if (split.present) {
                url_had_userinfo_ = true;
                url_line_ = line_no;
                feed_.username = std::move(split.username);
                feed_.url_password = std::move(split.password);
            }
            feed_.url = std::move(split.url);
            if (!valid_http_url(feed_.url))
                return bad_value(line_no, key, shown_url(value), "an http:// or https:// URL");
        } else if (key == "tags") {
            feed_.tags = split_tags(value);
        } else if (key == "interval") {
            Seconds interval{};
            set_duration(interval, key, value, line_no);
            if (interval.count() > 0) feed_.interval = interval;
        } else if (key == "allow_private") {
            if (const auto b = parse_bool(value))
                feed_.allow_private = *b;
            else
                bad_value(line_no, key, value, "yes or no");
        } else if (key == "enabled") {
            if (const auto b = parse_bool(value))
                feed_.enabled = *b;
            else
                bad_value(line_no, key, value, "yes or no");
        } else if (key == "encoding") {
            if (value.empty() || value.find_first_of(" \t") != std::string_view::npos)
                return bad_value(line_no, key, value, "a charset name such as windows-1256");
            feed_.encoding = std::string(value);
        } else if (key == "header") {
            // Keys may not repeat, so several headers share one line: "A: 1 | B: 2".
            add_headers(value, line_no);
        } else if (key == "username") {
            feed_.username = std::string(value);
        } else if (key == "password_file") {
            if (value.empty()) return bad_value(line_no, key, value, "a file path");
            feed_.password_file = resolve_against(file_, value).string();
        } else if (key == "password_env") {
            if (value.empty()) return bad_value(line_no, key, value, "an environment variable name");
            feed_.password_env = std::string(value);
        } else if (key == "proxy") {
            feed_.proxy = std::string(value);
        } else if (key == "user_agent") {
            feed_.user_agent = std::string(value);
        } else if (key == "ca_file") {
            if (value.empty()) return bad_value(line_no, key, value, "a file path");
            feed_.ca_file = resolve_against(file_, value).string();
        } else if (key == "retry_after") {
            // This feed's own wait after a 429/503, instead of the server's
            // Retry-After; it also ignores holds other feeds put on its host.
            Seconds wait{};
            set_duration(wait, key, value, line_no);
            if (wait.count() > 0) feed_.retry_after_override = wait;
        } else if (key == "timezone") {
            if (!known_timezone(value))
                return bad_value(line_no, key, value, "an IANA time zone such as Africa/Casablanca or Europe/Paris");
            feed_.timezone = std::string(value);
        } else if (key == "priority") {
            const auto n = parse_uint(value);
            if (!n || *n > 100) return bad_value(line_no, key, value, "a whole number from 0 to 100");
            feed_.priority = static_cast<int>(*n);
        } else if (key == "verify_tls") {
            if (const auto b = parse_bool(value))
                feed_.verify_tls = *b;
            else
                bad_value(line_no, key, value, "yes or no");
        } else {
            unknown_key(line_no, key);
        }
    }

    void add_headers(std::string_view value, int line_no) {
        while (!value.empty()) {
            const auto bar = value.find('|');
            const std::string_view field = trim(value.substr(0, bar));
            const auto colon = field.find(':');
            const std::string_view name = colon == std::string_view::npos ? field : trim(field.substr(0, colon));
            const bool valid_name = !name.empty() && name.find_first_of(" \t\r\n") == std::string_view::npos;
            if (colon == std::string_view::npos || !valid_name ||
                field.find_first_of("\r\n") != std::string_view::npos) {
                bad_value(line_no, "header", field, "'Name: value', several separated by '|'");
                return;
            }
            feed_.headers.emplace_back(std::string(name), std::string(trim(field.substr(colon + 1))));
            if (bar == std::string_view::npos) break;
            value.remove_prefix(bar + 1);
        }
    }

    fs::path file_;
    Diagnostics diag_;
    Config config_;
    Section section_;
    FeedSpec feed_;
    OutputSpec output_;
    bool daemon_seen_ = false;
    int database_line_ = 1;           // where `database` is set; the default counts as line 1
    int database_password_line_ = 0;  // where database_password_file or _env is set, if it is
    int share_line_ = 0;              // where share_database is set, if it is
    bool url_had_userinfo_ = false;
    int url_line_ = 0;
    std::map<std::string, int, std::less<>> feed_names_;
    std::map<std::string, int, std::less<>> output_names_;
    // What an [output] section said that the OutputSpec keeps in another shape: where the
    // selection keys were, and the formats and places given for each format (index: Format).
    struct OutputLines {
        int include_tags = 0;
        int exclude_tags = 0;
        int feeds = 0;
        std::vector<OutputSpec::Format> formats;
        std::array<std::string, 3> urls;
        std::array<fs::path, 3> paths;
        bool file_mode = false;  // the output set its own
        bool hub = false;
    };
    std::map<std::string, OutputLines, std::less<>> output_lines_;
    int daemon_line_ = 1;
    static inline const std::vector<OutputSpec::Format> kAllFormats{OutputSpec::Format::rss, OutputSpec::Format::atom,
                                                                    OutputSpec::Format::json};
};

}  // namespace

namespace {

struct BinaryByte {
    int line;
    std::size_t offset;
    std::string byte;  // "0x00"
};

// A config is UTF-8 text: a NUL, a control other than tab/CR/LF/FF, or ill-formed UTF-8 means
// the operator pointed us at another file (a database, an image); one line says so, without
// echoing its bytes.
std::optional<BinaryByte> first_binary_byte(std::string_view text) {
    std::size_t bad = std::string_view::npos;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) {
            bad = i;
            break;
        }
    }
    if (bad == std::string_view::npos && !is_valid_utf8(text)) {
        // Locate the first ill-formed sequence: printable() escapes exactly those bytes.
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (static_cast<unsigned char>(text[i]) < 0x80) continue;
            std::size_t len = 1;
            while (i + len < text.size() && len < 4 && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80)
                ++len;
            if (!is_valid_utf8(text.substr(i, len))) {
                bad = i;
                break;
            }
            i += len - 1;
        }
        if (bad == std::string_view::npos) bad = 0;
    }
    if (bad == std::string_view::npos) return std::nullopt;
    static constexpr char kHex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(text[bad]);
    return BinaryByte{
        .line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n')),
        .offset = bad,
        .byte = std::string{'0', 'x', kHex[c >> 4], kHex[c & 0xF]}};
}

}  // namespace

std::optional<Seconds> parse_duration(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    while (!text.empty()) {
        std::size_t digits = 0;
        while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
        if (digits == 0 || digits > 9) return std::nullopt;
        const auto number = static_cast<std::int64_t>(*parse_uint(text.substr(0, digits)));
        text.remove_prefix(digits);
        std::int64_t unit = 1;
        if (!text.empty()) {
            switch (text.front()) {
                case 's': unit = 1; break;
                case 'm': unit = 60; break;
                case 'h': unit = 3600; break;
                case 'd': unit = 86400; break;
                default: return std::nullopt;
            }
            text.remove_prefix(1);
        }
        total += number * unit;
    }
    if (total <= 0 || total > 366LL * 86400) return std::nullopt;
    return Seconds{total};
}

std::optional<std::size_t> parse_size(std::string_view text) {
    text = trim(text);
    std::uint64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'K':
            case 'k': unit = 1ULL << 10; break;
            case 'M':
            case 'm': unit = 1ULL << 20; break;
            case 'G':
            case 'g': unit = 1ULL << 30; break;
            default: break;
        }
        if (unit != 1) text.remove_suffix(1);
    }
    const auto n = parse_uint(text);
    if (!n || *n > (1ULL << 40) / unit) return std::nullopt;
    return static_cast<std::size_t>(*n * unit);
}

std::optional<bool> parse_bool(std::string_view text) {
    const std::string v = to_lower_ascii(trim(text));
    if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
    if (v == "no" || v == "false" || v == "off" || v == "0") return false;
    return std::nullopt;
}

Result<Config> parse_config(std::string_view text, const std::filesystem::path& file) {
    if (const auto binary = first_binary_byte(text))
        return fail(ErrorKind::Config, file.string() + ":" + std::to_string(binary->line) + ": not a text file (byte " +
                                           binary->byte + " at offset " + std::to_string(binary->offset) +
                                           "): is this the right file?");
    auto config = Parser{file}.run(text);
    if (!config) return config;
    // The daemon keeps this list for its lifetime (10,000 feeds: 5 MB), and a vector grown one
    // section at a time holds up to twice that.
    config->feeds.shrink_to_fit();
    const ScheduleSettings& s = config->daemon.schedule;
    if (s.min_interval > s.max_interval)
        return fail(ErrorKind::Config, file.string() + ": min_interval is larger than max_interval");
    std::set<std::string, std::less<>> urls;
    for (const OutputSpec& output : config->outputs)
        for (const OutputSpec::Representation& rep : output.representations)
            if (!urls.insert(rep.url).second)
                return fail(ErrorKind::Config, file.string() + ":" + std::to_string(output.source_line) +
                                                   ": two outputs are served at " + rep.url);
    return config;
}

Result<Config> load_config(const std::filesystem::path& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        return fail(ErrorKind::Config, file.string() + ": is a directory, not a configuration file");
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(ErrorKind::Config, file.string() + ": cannot open: " + std::strerror(errno));
    std::ostringstream stream;
    stream << in.rdbuf();
    if (in.bad()) return fail(ErrorKind::Config, file.string() + ": cannot read");
    return parse_config(std::move(stream).str(), file);
}

}  // namespace tributary::config

#include "config/config_diff.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace tributary::config {
namespace {

// Appends `key` when the two values differ.
struct KeyList {
    std::vector<std::string> keys;
    template <class T>
    void compare(const char* key, const T& a, const T& b) {
        if (!(a == b) && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.emplace_back(key);
    }
};

std::vector<std::string> feed_keys(const FeedSpec& a, const FeedSpec& b) {
    KeyList k;
    k.compare("url", a.url, b.url);
    k.compare("url", a.url_password, b.url_password);  // user info written in the url
    k.compare("tags", a.tags, b.tags);
    k.compare("interval", a.interval, b.interval);
    k.compare("enabled", a.enabled, b.enabled);
    k.compare("priority", a.priority, b.priority);
    k.compare("allow_private", a.allow_private, b.allow_private);
    k.compare("encoding", a.encoding, b.encoding);
    k.compare("timezone", a.timezone, b.timezone);
    k.compare("header", a.headers, b.headers);
    k.compare("username", a.username, b.username);
    k.compare("password_file", a.password_file, b.password_file);
    k.compare("password_env", a.password_env, b.password_env);
    k.compare("proxy", a.proxy, b.proxy);
    k.compare("user_agent", a.user_agent, b.user_agent);
    k.compare("ca_file", a.ca_file, b.ca_file);
    k.compare("verify_tls", a.verify_tls, b.verify_tls);
    k.compare("retry_after", a.retry_after_override, b.retry_after_override);
    return std::move(k.keys);
}

const OutputSpec::Representation* representation(const OutputSpec& output, OutputSpec::Format format) {
    for (const auto& rep : output.representations)
        if (rep.format == format) return &rep;
    return nullptr;
}

std::vector<std::string> output_keys(const OutputSpec& a, const OutputSpec& b) {
    KeyList k;
    k.compare("path", a.path, b.path);
    k.compare("url", a.url, b.url);
    k.compare("format", a.format, b.format);
    // The other formats: which are published, and where. Their places derive from the primary
    // format's url and path unless named, so they are compared only when format, url and path
    // stayed: a moved url moves them all, and that is the change to report.
    using Format = OutputSpec::Format;
    static constexpr std::array<std::pair<Format, std::array<const char*, 2>>, 3> kFormats{
        {{Format::rss, {"rss_url", "rss_path"}},
         {Format::atom, {"atom_url", "atom_path"}},
         {Format::json, {"json_url", "json_path"}}}};
    for (const auto& [format, keys] : kFormats) {
        if (a.format != b.format) break;
        const auto* before = representation(a, format);
        const auto* after = representation(b, format);
        if ((before == nullptr) != (after == nullptr)) {
            k.compare("formats", true, false);
            continue;
        }
        if (before == nullptr || format == a.format) continue;
        if (a.url == b.url) k.compare(keys[0], before->url, after->url);
        if (a.path == b.path) k.compare(keys[1], before->path, after->path);
    }
    k.compare("title", a.title, b.title);
    k.compare("description", a.description, b.description);
    k.compare("link", a.link, b.link);
    k.compare("public_url", a.public_url, b.public_url);
    k.compare("language", a.language, b.language);
    k.compare("max_items", a.max_items, b.max_items);
    k.compare("dedup", a.dedup, b.dedup);
    k.compare("content", a.content, b.content);
    k.compare("include_tags", a.include_tags, b.include_tags);
    k.compare("exclude_tags", a.exclude_tags, b.exclude_tags);
    k.compare("feeds", a.feeds, b.feeds);
    k.compare("file_mode", a.file_mode, b.file_mode);
    k.compare("hub", a.hub, b.hub);
    return std::move(k.keys);
}

std::vector<std::string> daemon_keys(const DaemonSettings& a, const DaemonSettings& b) {
    KeyList k;
    k.compare("database", a.database, b.database);
    k.compare("database", a.database_url, b.database_url);
    k.compare("database_password_file", a.database_password_file, b.database_password_file);
    k.compare("database_password_env", a.database_password_env, b.database_password_env);
    k.compare("share_database", a.share_database, b.share_database);
    k.compare("lease_time", a.lease_time, b.lease_time);
    k.compare("public_url", a.public_url, b.public_url);
    // [daemon] file_mode and hub are defaults copied into every output that sets neither: a change
    // shows on those outputs, by name, where it takes effect.
    k.compare("interval", a.schedule.default_interval, b.schedule.default_interval);
    k.compare("min_interval", a.schedule.min_interval, b.schedule.min_interval);
    k.compare("max_interval", a.schedule.max_interval, b.schedule.max_interval);
    k.compare("max_backoff", a.schedule.max_backoff, b.schedule.max_backoff);
    k.compare("jitter", a.schedule.jitter, b.schedule.jitter);
    k.compare("startup_spread", a.schedule.startup_spread, b.schedule.startup_spread);
    k.compare("retention", a.retention, b.retention);
    k.compare("allow_private", a.allow_private, b.allow_private);
    k.compare("allow_no_feeds", a.allow_no_feeds, b.allow_no_feeds);
    k.compare("log_level", a.log_level, b.log_level);
    k.compare("user_agent", a.fetch.user_agent, b.fetch.user_agent);
    k.compare("connect_timeout", a.fetch.connect_timeout, b.fetch.connect_timeout);
    k.compare("timeout", a.fetch.total_timeout, b.fetch.total_timeout);
    k.compare("max_body", a.fetch.max_body_bytes, b.fetch.max_body_bytes);
    k.compare("max_header", a.fetch.max_header_bytes, b.fetch.max_header_bytes);
    k.compare("max_redirects", a.fetch.max_redirects, b.fetch.max_redirects);
    k.compare("max_concurrent", a.fetch.max_concurrent, b.fetch.max_concurrent);
    k.compare("max_per_host", a.fetch.max_per_host, b.fetch.max_per_host);
    k.compare("min_host_spacing", a.fetch.min_host_spacing, b.fetch.min_host_spacing);
    k.compare("low_speed_limit", a.fetch.low_speed_bytes, b.fetch.low_speed_bytes);
    k.compare("low_speed_time", a.fetch.low_speed_time, b.fetch.low_speed_time);
    k.compare("http_max_connections", a.http.max_connections, b.http.max_connections);
    k.compare("http_header_timeout", a.http.header_timeout, b.http.header_timeout);
    k.compare("http_idle_timeout", a.http.idle_timeout, b.http.idle_timeout);
    return std::move(k.keys);
}

// Added, removed and changed sections of one kind, by name.
template <class Spec, class KeysOf>
void diff_sections(const std::vector<Spec>& before, const std::vector<Spec>& after, KeysOf keys_of,
                   std::vector<std::string>& added, std::vector<std::string>& removed,
                   std::vector<SectionChange>& changed) {
    std::map<std::string, const Spec*, std::less<>> old_by_name;
    for (const Spec& spec : before) old_by_name.emplace(spec.name, &spec);
    std::map<std::string, const Spec*, std::less<>> new_by_name;
    for (const Spec& spec : after) new_by_name.emplace(spec.name, &spec);
    for (const Spec& spec : after) {
        const auto old = old_by_name.find(spec.name);
        if (old == old_by_name.end()) {
            added.push_back(spec.name);
            continue;
        }
        if (auto keys = keys_of(*old->second, spec); !keys.empty())
            changed.push_back(SectionChange{.name = spec.name, .keys = std::move(keys)});
    }
    for (const Spec& spec : before)
        if (!new_by_name.contains(spec.name)) removed.push_back(spec.name);
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const std::string& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

// "+2 -1 ~1 (+a, +b, -c, d: url, tags)", naming at most `budget` sections (shared by the calls).
std::string describe_sections(const std::vector<std::string>& added, const std::vector<std::string>& removed,
                              const std::vector<SectionChange>& changed, std::size_t& budget) {
    std::vector<std::string> named;
    std::size_t unnamed = 0;
    const auto name = [&](std::string text) {
        if (budget == 0) {
            ++unnamed;
            return;
        }
        --budget;
        named.push_back(std::move(text));
    };
    for (const std::string& n : added) name("+" + n);
    for (const std::string& n : removed) name("-" + n);
    for (const SectionChange& c : changed) name(c.name + ": " + joined(c.keys, ", "));
    std::string out = "+" + std::to_string(added.size()) + " -" + std::to_string(removed.size()) + " ~" +
                      std::to_string(changed.size());
    if (unnamed > 0) named.push_back(std::to_string(unnamed) + " more");
    if (!named.empty()) out += " (" + joined(named, "; ") + ")";
    return out;
}

}  // namespace

bool ConfigDiff::empty() const {
    return feeds_added.empty() && feeds_removed.empty() && feeds_changed.empty() && !outputs_differ() &&
           daemon_changed.empty() && !listen_changed();
}

std::string listen_address(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ConfigDiff diff_configs(const Config& before, const Config& after) {
    ConfigDiff diff;
    diff_sections(before.feeds, after.feeds, feed_keys, diff.feeds_added, diff.feeds_removed, diff.feeds_changed);
    diff_sections(before.outputs, after.outputs, output_keys, diff.outputs_added, diff.outputs_removed,
                  diff.outputs_changed);
    diff.daemon_changed = daemon_keys(before.daemon, after.daemon);
    diff.listen_before = listen_address(before.daemon.listen_host, before.daemon.listen_port);
    diff.listen_after = listen_address(after.daemon.listen_host, after.daemon.listen_port);
    return diff;
}

std::vector<std::string> keys_needing_restart(const ConfigDiff& diff) {
    static constexpr std::array<std::string_view, 20> kRestart{"database",
                                                               "database_password_file",
                                                               "database_password_env",
                                                               "share_database",
                                                               "lease_time",
                                                               "log_level",
                                                               "user_agent",
                                                               "connect_timeout",
                                                               "timeout",
                                                               "max_body",
                                                               "max_header",
                                                               "max_redirects",
                                                               "max_concurrent",
                                                               "max_per_host",
                                                               "min_host_spacing",
                                                               "low_speed_limit",
                                                               "low_speed_time",
                                                               "http_max_connections",
                                                               "http_header_timeout",
                                                               "http_idle_timeout"};
    std::vector<std::string> keys;
    for (const std::string& key : diff.daemon_changed)
        if (std::find(kRestart.begin(), kRestart.end(), key) != kRestart.end()) keys.push_back(key);
    return keys;
}

std::string describe(const ConfigDiff& diff, std::size_t max_named) {
    if (diff.empty()) return "no change";
    std::size_t budget = max_named;
    std::string out = "feeds " + describe_sections(diff.feeds_added, diff.feeds_removed, diff.feeds_changed, budget);
    if (diff.outputs_differ())
        out += ", outputs " + describe_sections(diff.outputs_added, diff.outputs_removed, diff.outputs_changed, budget);
    if (diff.listen_changed()) out += ", listen " + diff.listen_before + " -> " + diff.listen_after;
    if (!diff.daemon_changed.empty()) out += ", daemon ~(" + joined(diff.daemon_changed, ", ") + ")";
    return out;
}

}  // namespace tributary::config

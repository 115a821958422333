#pragma once
// The plain values that flow between the pipeline stages (DESIGN.md "The types
// that flow"). No stage sees another's internals: only these.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace tributary {

using namespace std::chrono_literals;
using Seconds = std::chrono::seconds;

// ---------------------------------------------------------------- config ---

struct FeedSpec {
    std::string name;  // stable key in the database; the URL may change
    std::string url;
    std::vector<std::string> tags;
    std::optional<Seconds> interval;    // unset: the daemon's default
    std::optional<bool> allow_private;  // unset: the daemon's setting
    bool enabled = true;
    std::string encoding;  // charset override for a feed that lies about its encoding; "" = decide
    std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
    std::string username;                                      // HTTP basic auth
    std::string password_file;                                 // the password is read from this file…
    std::string password_env;                                  // …or from this environment variable; never logged
    // The password of user info written in the url ("http://user:secret@host/"): the url itself
    // is kept without it, so it never reaches the database, a log line or a published feed.
    std::string url_password;
    std::string proxy;       // "" = the standard proxy environment variables
    std::string user_agent;  // "" = the daemon's
    std::string ca_file;     // extra CA bundle for this feed's TLS
    bool verify_tls = true;
    std::optional<Seconds> retry_after_override;  // hold this feed back by its own rule, not its host's
    // IANA zone the site writes its zone-less dates in; "" = Africa/Casablanca (our first users').
    std::string timezone;
    // A story is shown through its earliest copy, unless a feed of higher priority carries it too
    // (an agency's own feed over its republishers, say).
    int priority = 0;
    std::string source_file;  // where the [feed …] section starts, for messages
    int source_line = 0;

    friend bool operator==(const FeedSpec&, const FeedSpec&) = default;
};

struct OutputSpec {
    std::string name;
    std::filesystem::path path;  // absolute after loading
    std::string url = "/merged.xml";
    std::string title = "Tributary";
    std::string link;  // the channel's <link>; empty: the output's own URL
    std::string description = "Merged feed published by Tributary";
    std::size_t max_items = 100;
    // The format served at `url` and written to `path`. Every output is also published in the
    // other formats (see `representations`).
    enum class Format { rss, atom, json };
    Format format = Format::rss;  // RSS 2.0, Atom 1.0 or JSON Feed 1.1
    // What counts as one entry: every item, items with one canonical URL, or one story however
    // many sites carried it.
    enum class Dedup { item, url, story };
    Dedup dedup = Dedup::story;

    // One format of the output: where it is served and written. Filled by config: `format` at
    // `url` and `path` first, then each other format of `formats` (default: all three) at the same
    // name with .xml (RSS), .atom or .json unless rss_url/atom_url/json_url (and *_path) say
    // otherwise. Empty (an OutputSpec built by hand): only `format`, at `url` and `path`.
    struct Representation {
        Format format = Format::rss;
        std::string url;
        std::filesystem::path path;

        friend bool operator==(const Representation&, const Representation&) = default;
    };
    std::vector<Representation> representations;
    // Absolute http(s) base the output is reachable under ("https://news.example.org/", always
    // ending in '/'); "" = the daemon's public_url, else the listen address.
    std::string public_url;
    std::string language;  // BCP 47 tag of the output ("ar", "fr-MA"); "" = not declared
    // full: each entry's whole sanitized HTML; summary: a plain-text excerpt of it.
    enum class Content { full, summary };
    Content content = Content::full;
    // Which feeds the output carries: every feed, unless include_tags or feeds name some; then those
    // with one of include_tags and those named in feeds. A feed with one of exclude_tags is left out
    // unless named in feeds.
    std::vector<std::string> include_tags;
    std::vector<std::string> exclude_tags;
    std::vector<std::string> feeds;
    // Permission bits of every file of the output (each format), set on each replacement so that a
    // web server can serve them: the output's file_mode, else the daemon's. Never world-writable.
    std::uint32_t file_mode = 0644;
    // WebSub hub (W3C WebSub) every format of the output advertises and is pinged when the output's
    // bytes change: the output's hub, else the daemon's; "" = none.
    std::string hub;
    int source_line = 0;  // where the [output …] section starts, for messages

    friend bool operator==(const OutputSpec&, const OutputSpec&) = default;
};

struct FetchSettings {
    Seconds connect_timeout = 15s;
    Seconds total_timeout = 60s;
    std::size_t max_body_bytes = 16u << 20;  // counted after decompression
    long max_redirects = 5;
    int max_concurrent = 16;        // transfers in flight, all hosts
    int max_per_host = 2;           // connections per host
    Seconds min_host_spacing = 1s;  // between two requests to one host
    long low_speed_bytes = 1;       // a transfer slower than this…
    Seconds low_speed_time = 30s;   // …for this long is abandoned (slow-drip servers)
    std::size_t max_header_bytes = 64u << 10;
    std::string user_agent;  // empty: "Tributary/<version> (+feed aggregator)"

    friend bool operator==(const FetchSettings&, const FetchSettings&) = default;
};

struct ScheduleSettings {
    Seconds default_interval = 15min;
    Seconds min_interval = 1min;
    Seconds max_interval = 24h;
    Seconds max_backoff = 24h;
    double jitter = 0.1;          // ± fraction of the interval
    Seconds startup_spread = 5s;  // never-fetched or overdue feeds start within this

    friend bool operator==(const ScheduleSettings&, const ScheduleSettings&) = default;
};

// The HTTP endpoint's limits: a client that is idle or slow never holds the server.
struct HttpSettings {
    std::size_t max_connections = 512;  // at the cap, the connection idle longest makes room
    Seconds header_timeout = 5s;        // a request's whole header, from its first byte
    Seconds idle_timeout = 15s;         // a kept-alive connection waiting for its next request

    friend bool operator==(const HttpSettings&, const HttpSettings&) = default;
};

struct DaemonSettings {
    std::filesystem::path database;  // absolute after loading; unused when database_url is set
    // database = postgresql://user@host/db: the store lives in PostgreSQL, not in a file. The URL
    // never holds a password (the config refuses one there), so it may be shown and logged; the
    // password comes from database_password_file or database_password_env, read at start.
    std::string database_url;
    std::string database_password_file;
    std::string database_password_env;
    // share_database = yes: several daemons poll the feeds of one PostgreSQL database, each
    // leasing the due feeds it polls for lease_time (a daemon that dies loses its leases then).
    bool share_database = false;
    Seconds lease_time = std::chrono::minutes{10};
    // Absolute http(s) URL subscribers reach the HTTP endpoint at ("https://news.example.org/",
    // always ending in '/'): every published link is made absolute against it. "" = the listen
    // address.
    std::string public_url;
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;  // 0: pick a free one
    bool allow_private = false;
    std::string log_level = "info";
    // Items that left their feed are removed once unseen this long; 0 keeps everything.
    Seconds retention = 2160h;  // 90 days
    // A config without an enabled feed polls nothing: almost always a mistake (an empty or
    // truncated file), so it is refused unless the operator says it is meant.
    bool allow_no_feeds = false;
    // Defaults for every output (an output's own file_mode and hub win): see OutputSpec.
    std::uint32_t file_mode = 0644;
    std::string hub;
    HttpSettings http;
    FetchSettings fetch;
    ScheduleSettings schedule;

    friend bool operator==(const DaemonSettings&, const DaemonSettings&) = default;
};

struct Config {
    std::filesystem::path file;  // absolute path of feeds.conf
    DaemonSettings daemon;
    std::vector<OutputSpec> outputs;
    std::vector<FeedSpec> feeds;
    // Remarks that are not errors, "<file>:<line>: <remark>" each: `check` shows them.
    std::vector<std::string> notes;

    friend bool operator==(const Config&, const Config&) = default;
};

// ------------------------------------------------------------ feed state ---

// What the daemon remembers about a feed between polls (persisted by store).
struct FeedState {
    std::string name;
    std::string url;
    std::string etag;
    std::string last_modified;
    std::optional<SysTime> last_fetch;
    std::optional<SysTime> last_success;
    std::string last_outcome;  // to_string(FetchOutcome) or "parse_error"/"store_error"
    long http_status = 0;
    std::string last_error;
    int consecutive_failures = 0;
    std::optional<SysTime> next_due;
    std::string schedule_reason;  // which rule chose next_due, for `status`
    std::int64_t item_count = 0;  // read-only: filled by store queries
    // A permanent redirect seen on the last fetches: suggested to the operator,
    // used directly once stable for a few fetches. Never rewrites feeds.conf.
    std::string moved_to;
    int moved_count = 0;
    bool gone = false;  // 410: polling stopped until the config changes the url
    std::string encoding_declared;
    std::string encoding_used;
    // Scheduling hints remembered from the last successful fetch.
    std::optional<Seconds> publish_interval;  // smoothed interval between new items
    std::optional<Seconds> feed_ttl;          // <ttl>, sy:updatePeriod/updateFrequency
    std::uint32_t skip_hours = 0;             // bit h set: skip hour h (UTC)
    std::uint8_t skip_days = 0;               // bit d set: skip weekday d (0 = Sunday)
    std::optional<SysTime> fresh_until;       // Cache-Control max-age / Expires

    friend bool operator==(const FeedState&, const FeedState&) = default;
};

// ----------------------------------------------------------------- fetch ---

struct FetchRequest {
    std::string feed_name;
    std::string url;
    std::string etag;           // sent as If-None-Match when not empty
    std::string last_modified;  // sent as If-Modified-Since when not empty
    bool allow_private = false;
    // Not empty: a POST of these bytes as application/x-www-form-urlencoded instead of a GET (a
    // WebSub ping); no conditional headers are sent.
    std::string post_form;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string username;
    std::string password;  // resolved from the feed's file/env by app; never logged
    std::string proxy;
    std::string user_agent;
    std::string ca_file;
    bool verify_tls = true;
};

enum class FetchOutcome {
    fetched,        // 2xx with a body
    not_modified,   // 304: a normal outcome, not an error
    http_error,     // any other status
    network_error,  // DNS, connect, reset, TLS
    timed_out,
    too_large,  // body or header cap
    redirect_error,
    blocked,    // refused by the address policy
    cancelled,  // daemon shutting down
};

const char* to_string(FetchOutcome outcome) noexcept;

struct FetchResult {
    std::string feed_name;
    FetchOutcome outcome = FetchOutcome::network_error;
    long http_status = 0;
    std::string requested_url;
    std::string final_url;            // after redirects
    bool permanent_redirect = false;  // every hop was 301/308
    std::string etag;
    std::string last_modified;
    std::string cache_control;
    std::string expires;
    std::optional<Seconds> retry_after;  // from Retry-After (seconds or HTTP-date)
    std::string content_type;
    std::string body;
    std::string error;  // human-readable cause when outcome is a failure
    std::chrono::milliseconds elapsed{0};

    bool ok() const noexcept { return outcome == FetchOutcome::fetched || outcome == FetchOutcome::not_modified; }
};

// ----------------------------------------------------------------- parse ---

enum class FeedFormat { unknown, rss, rdf, atom, json };

const char* to_string(FeedFormat format) noexcept;

struct Enclosure {
    std::string url;
    std::string type;
    std::optional<std::int64_t> length;

    friend bool operator==(const Enclosure&, const Enclosure&) = default;
};

struct ParsedItem {
    std::string id;     // guid / atom:id, as written (trimmed)
    std::string title;  // plain text
    std::string link;   // absolute
    std::string author;
    // HTML: sanitized by parse_feed, unless the caller asked for the document's
    // own (ParseOptions::sanitize = false) to sanitize only new or changed items.
    std::string summary;
    std::string content;  // content:encoded / atom:content
    std::vector<std::string> categories;
    std::vector<Enclosure> enclosures;
    std::string comments;
    std::string language;
    std::optional<SysTime> published;
    std::optional<SysTime> updated;

    friend bool operator==(const ParsedItem&, const ParsedItem&) = default;
};

struct EncodingDecision {
    std::string declared;  // what the document/HTTP said, "" if nothing
    std::string used;      // what the bytes were decoded as
    std::string source;    // "bom", "http", "xml-declaration", "detected", "default"

    friend bool operator==(const EncodingDecision&, const EncodingDecision&) = default;
};

struct ParsedFeed {
    FeedFormat format = FeedFormat::unknown;
    std::string version;  // "2.0", "1.0", "0.91", …
    std::string title;
    std::string link;
    std::string subtitle;
    std::string language;
    std::string image;                     // absolute URL of the channel image / atom:logo / icon
    std::optional<Seconds> ttl;            // RSS <ttl>
    std::optional<Seconds> update_period;  // sy:updatePeriod / sy:updateFrequency
    std::uint32_t skip_hours = 0;          // bit h set: <skipHours><hour>h</hour>
    std::uint8_t skip_days = 0;            // bit d set (0 = Sunday): <skipDays><day>…</day>
    EncodingDecision encoding;
    std::vector<ParsedItem> items;
    std::vector<std::string> warnings;  // what was repaired, one line each

    friend bool operator==(const ParsedFeed&, const ParsedFeed&) = default;
};

// ----------------------------------------------------------------- dedup ---

// Keys computed by dedup for one item; store persists and compares them.
struct ItemKeys {
    std::string item_key;           // "g:<guid>", "l:<canonical link>", "h:<hash>"
    std::string canonical_url;      // "" when the item has no link
    std::uint64_t fingerprint = 0;  // story fingerprint (simhash of normalised text)
    std::string content_hash;       // changes when anything a reader sees changes
    // What the story engine compares (dedup/story_features.hpp, serialized): computed with the
    // other keys on a worker, persisted with a story it starts. "" when not computed.
    std::string features;

    friend bool operator==(const ItemKeys&, const ItemKeys&) = default;
};

// A story already in the store, as the dedup matcher sees it.
struct StoryCandidate {
    std::int64_t story_id = 0;
    std::string canonical_url;
    std::uint64_t fingerprint = 0;
    std::optional<SysTime> published;
};

// ----------------------------------------------------------------- store ---

struct IngestResult {
    int new_items = 0;
    int updated_items = 0;
    int unchanged_items = 0;
    int duplicate_items = 0;       // new for this feed, but a story already known from another
    std::int64_t feed_items = -1;  // the feed's items stored once the ingest committed; -1: not counted
    // Each duplicate: its link, the story it joined and why ("url", "score=0.71 …"), for the log.
    struct Join {
        std::string link;
        std::int64_t story_id = 0;
        std::string reason;
    };
    std::vector<Join> joins;
    // Each changed item that left its story for another: its link, both stories and why.
    struct Move {
        std::string link;
        std::int64_t from_story = 0;
        std::int64_t to_story = 0;
        std::string reason;
    };
    std::vector<Move> moves;

    bool changed() const noexcept { return new_items + updated_items + duplicate_items > 0; }
};

// Another feed that carried the story of a merged entry ("also reported by").
struct OtherSource {
    std::string feed_name;
    std::string feed_title;  // the feed's title, else its name
    std::string feed_link;   // the feed's site (its <link>) when that is publishable, else the feed's URL
    std::string item_link;   // that feed's copy of the story

    friend bool operator==(const OtherSource&, const OtherSource&) = default;
};

// One entry of the merged feed: a story (or, with `dedup = url` or `item`, the part of it with one
// canonical URL, or one item), shown through its representative item: the copy of the feed with
// the highest priority, the earliest among equals.
struct MergedItem {
    std::string guid;  // stable per entry: never changes once published
    std::string title;
    std::string link;
    std::string description;  // sanitized HTML
    std::string author;
    std::vector<std::string> categories;
    std::optional<SysTime> published;  // the representative item's, as its feed wrote them
    std::optional<SysTime> updated;
    SysTime first_seen;  // when the representative item was first seen
    std::string feed_name;
    std::string source_title;  // the feed's title
    std::string source_url;    // the feed's URL (RSS <source url>)
    std::string source_link;   // the feed's site (its <link>), "" when unknown
    // The story's other feeds, one item each (that feed's earliest), in the order they were first
    // seen; never the representative's own feed.
    std::vector<OtherSource> also_reported_by;
    // Filled where the store keeps them; publish renders them when present.
    std::string content;   // the full sanitized HTML when the item had both a summary and content
    std::string language;  // the item's (else its feed's) language, BCP 47; "" = unknown
    std::vector<Enclosure> enclosures;

    friend bool operator==(const MergedItem&, const MergedItem&) = default;
};

// A date later than first seen by more than this is not believed (see shown_date).
inline constexpr Seconds kFutureDateTolerance = 10min;

// The date an entry shows: its item's published date, else its updated date, else when it was first
// seen. A date later than first_seen + kFutureDateTolerance is in the future of the moment we saw the
// item (a wrong zone, a scheduled post, a broken clock) and is replaced by first_seen: the entry
// neither sits at the top of a reader's list nor moves when its feed re-dates it.
SysTime shown_date(const MergedItem& item) noexcept;

}  // namespace tributary

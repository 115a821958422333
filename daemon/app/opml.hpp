#pragma once
// OPML, the format every feed reader moves its subscriptions in: `tributary import-opml FILE`
// and `tributary export-opml`.
//
// Folders and tags: a feed inside nested folders ("News" > "Morocco") gets one tag, the path
// of its folders ("news/morocco"); a feed listed in several folders (readers whose folders are
// labels export it once per folder) is imported once, with one tag per folder. Export does the
// reverse: each tag is a folder path ('/' nests), and a feed appears in every folder its tags
// name (at the top without tags). So export then import gives back the same tags, and a tag
// without '/' is a top-level folder. One tag per path rather than one per folder level keeps
// a feed that is in "News" > "Morocco" apart from one in both "News" and "Morocco".

#include <cstddef>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"

namespace tributary::app {

// Hostile input is capped: the file, the feeds in it, the nesting, each title and URL.
inline constexpr std::size_t kMaxOpmlBytes = std::size_t{16} << 20;
inline constexpr std::size_t kMaxOpmlFeeds = 20000;
inline constexpr int kMaxOpmlDepth = 32;
inline constexpr std::size_t kMaxOpmlTitleBytes = 200;
inline constexpr std::size_t kMaxOpmlUrlBytes = 2048;

struct OpmlFeed {
    std::string title;     // title, else text; control characters removed, capped
    std::string xml_url;   // http(s) only
    std::string html_url;  // "" when absent or not http(s)
    std::vector<std::string> tags;
    int line = 0;  // of its <outline> in the OPML file
};

struct OpmlReading {
    std::vector<OpmlFeed> feeds;        // in document order, one per distinct feed URL
    std::vector<std::string> warnings;  // "<source>:<line>: …", printable
};

// Errors (ErrorKind::Parse): "<source>: not OPML: …", "<source>:<line>: <XML error>".
Result<OpmlReading> read_opml(std::string_view text, std::string_view source);

// A [feed] section name (letters, digits, '-', '_', '.') for `feed`, from its title, else its
// URL's host, else "feed"; "-2", "-3", … appended until it is not in `taken`.
std::string feed_name_for(const OpmlFeed& feed, const std::set<std::string, std::less<>>& taken);

struct ConfigAppend {
    std::string text;                  // the whole new feeds.conf
    std::vector<std::string> added;    // names of the new sections
    std::vector<std::string> skipped;  // "<url>: already followed as [feed NAME]"
};

// `config_text` unchanged (comments, order, everything), followed by one [feed] section per
// feed of `feeds` whose URL is not already followed by a feed of `existing` (compared as
// canonical URLs: case of the host, default port, fragment and tracking parameters aside).
ConfigAppend append_feeds(std::string_view config_text, std::span<const FeedSpec> existing,
                          std::span<const OpmlFeed> feeds, std::string_view source);

// OPML 2.0 of `feeds`, tags as nested folders. Credentials never appear: a FeedSpec's url
// carries none.
std::string write_opml(std::span<const FeedSpec> feeds, std::string_view title);

}  // namespace tributary::app

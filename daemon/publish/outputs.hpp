#pragma once
// One output, start to end: which feeds it carries, the absolute URLs it lives at, its entries,
// and its bytes in each of its formats. Pure (the caller reads the store and writes the files),
// so the daemon only wires it, and tests call it directly.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/types.hpp"

namespace tributary::publish {

// The names of the feeds `output` carries (OutputSpec::include_tags, exclude_tags, feeds), sorted;
// every configured feed when the output selects none.
std::vector<std::string> selected_feeds(const OutputSpec& output, std::span<const FeedSpec> feeds);

// True when the output carries every feed (no include_tags, exclude_tags or feeds).
bool carries_every_feed(const OutputSpec& output) noexcept;

// The absolute base the output's links are made against, ending in '/': its public_url, else the
// daemon's, else "http://<listen host>:<port>/" (port: the bound one; none when 0).
std::string public_base(const OutputSpec& output, const DaemonSettings& daemon, std::uint16_t bound_port);

// `base` ("https://h/feeds/") joined with a served path ("/merged.xml"): "https://h/feeds/merged.xml".
std::string absolute_url(std::string_view base, std::string_view path);

// Cache-Control for the output's documents: max-age is the shortest poll interval among the feeds
// it carries (each feed's interval, else the daemon's, within min_interval..max_interval); the
// default interval when it carries none.
std::string cache_control(const OutputSpec& output, std::span<const FeedSpec> feeds, const ScheduleSettings& schedule);

// The formats of an output: its representations, else its one format at url/path.
std::vector<OutputSpec::Representation> representations_of(const OutputSpec& output);

struct RenderedDocument {
    std::string url;             // served path
    std::filesystem::path path;  // file
    std::string body;
    std::string content_type;
};

// Every format of `output`, rendered from `entries` (already selected and limited), with links
// absolute against `base` (public_base). `stylesheet` is the XSLT's URL for RSS and Atom ("" = none).
std::vector<RenderedDocument> render_output(const OutputSpec& output, std::span<const MergedItem> entries,
                                            SysTime build_time, std::string_view base,
                                            std::string_view stylesheet = {});

// What each output last published, so that a render that only moves the build time is no change:
// the files are not rewritten, ETag and Last-Modified stay, and no WebSub ping goes out. Used by
// one render at a time.
class RenderCache {
public:
    struct Outcome {
        std::vector<RenderedDocument> documents;
        SysTime build_time;  // what the documents carry
        bool changed = true;
    };
    // render_output() at `now`, unless rendering at the build time of the output's last documents
    // gives the same bytes again: then those documents, changed = false.
    Outcome render(const OutputSpec& output, std::span<const MergedItem> entries, SysTime now, std::string_view base,
                   std::string_view stylesheet = {});

    // Whether the output has been rendered (or adopted) by this cache.
    bool knows(std::string_view output_name) const { return last_.contains(output_name); }
    // What an earlier run published, adopted as the last documents when rendering `entries` at
    // `built` gives exactly `existing` (each representation's bytes, in representations_of order):
    // after a restart, unchanged entries are then no change, and readers keep their ETags. The
    // outcome render() would give now (changed = false); nullopt, nothing adopted, when any
    // document differs.
    std::optional<Outcome> adopt(const OutputSpec& output, std::span<const MergedItem> entries, SysTime built,
                                 std::string_view base, std::string_view stylesheet,
                                 std::span<const std::string> existing);

private:
    struct Last {
        SysTime build_time;
        std::vector<RenderedDocument> documents;
    };
    std::map<std::string, Last, std::less<>> last_;  // by output name
};

}  // namespace tributary::publish

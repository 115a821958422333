#pragma once
// One output published: rendered in every format (through the RenderCache, so unchanged bytes are
// no change), each file replaced atomically when its bytes changed (or it went missing or lost its
// mode), and an immutable snapshot of each document for the HTTP server. Runs on the database
// thread; the loop thread only swaps the snapshots in and pings the hub.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/types.hpp"
#include "publish/http_server.hpp"
#include "publish/outputs.hpp"

namespace tributary::publish {

struct PublishedDocument {
    std::string url;  // served path
    std::shared_ptr<const Snapshot> snapshot;
    std::string error;  // the file could not be written ("" = written, or unchanged and in place)
    std::string self;   // the document's absolute URL: the WebSub topic
    bool changed = false;
};

// `entries` already selected and limited to the output's max_items; `base` is public_base().
// Without `write_files` (a daemon sharing its database that is not the one writing outputs),
// the documents are rendered and snapshotted for HTTP only.
std::vector<PublishedDocument> publish_output(RenderCache& cache, const OutputSpec& output,
                                              std::span<const MergedItem> entries, SysTime now, std::string_view base,
                                              const std::string& cache_control, bool write_files = true);

}  // namespace tributary::publish

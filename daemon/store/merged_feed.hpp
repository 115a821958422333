#pragma once
// The merged feed's read (detail of FeedStore::merged_items, exposed for tests): which entries
// the newest are, which item represents each, and which other feeds carried its story.
//
// One statement lists the entries, newest first by when they were first seen, walking an index
// in that order so that it stops after `limit` of them; then, per entry, the items of its story
// (by story) and the representative's content (by id). No read costs more with a larger store.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"
#include "store/sqlite.hpp"

namespace tributary::store::detail {

// Entry guids. Story entries keep the story's own guid ("urn:tributary:story:…", given when the
// story was created and never changed). The others are FNV-1a 64 hashes of what identifies the
// entry for good, each under its own prefix so that no two modes share a guid:
//   dedup = item: "urn:tributary:item:" + hash(feed name "\n" item key). The item key alone is
//     not enough: two feeds without guids that link one URL share the key "l:<url>".
//   dedup = url:  "urn:tributary:url:" + hash(story guid "\n" canonical URL); an item without a URL
//     is an entry of its own: hash(story guid "\n" feed name "\n" item key).
std::string item_entry_guid(std::string_view feed_name, std::string_view item_key);
std::string url_entry_guid(std::string_view story_guid, std::string_view canonical_url);
std::string url_entry_guid(std::string_view story_guid, std::string_view feed_name, std::string_view item_key);

// Every statement of the read, named, for EXPLAIN QUERY PLAN in tests.
struct MergedQuery {
    std::string_view name;
    std::string_view sql;
};
std::span<const MergedQuery> merged_feed_queries() noexcept;

// Prepared once per connection, used by its owner's thread.
class MergedFeedReader {
public:
    static Result<MergedFeedReader> prepare(Db& db);

    // The newest `limit` entries (see FeedStore::merged_items); with `feeds` (sorted names), only
    // what those feeds carried.
    Result<std::vector<MergedItem>> read(std::size_t limit, OutputSpec::Dedup mode,
                                         std::optional<std::span<const std::string>> feeds = std::nullopt);

private:
    explicit MergedFeedReader(std::vector<Statement> statements) : statements_(std::move(statements)) {}
    std::vector<Statement> statements_;  // in merged_feed_queries() order
};

}  // namespace tributary::store::detail

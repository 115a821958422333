#include "store/feed_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "full_disk_vfs.hpp"
#include "store/merged_feed.hpp"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"
#include "support/postgresql_server.hpp"

namespace tributary::store {
namespace {

using namespace std::chrono_literals;

const SysTime kT0{std::chrono::seconds{1'700'000'000}};
constexpr Seconds kWindow = 48h;

std::vector<FeedSpec> specs(std::initializer_list<std::pair<const char*, const char*>> list) {
    std::vector<FeedSpec> out;
    for (const auto& [name, url] : list) {
        FeedSpec spec;
        spec.name = name;
        spec.url = url;
        out.push_back(spec);
    }
    return out;
}

FeedState named(std::string name, std::string url = {}, std::string etag = {}) {
    FeedState state;
    state.name = std::move(name);
    state.url = std::move(url);
    state.etag = std::move(etag);
    return state;
}

ParsedItem item(std::string id, std::string title, std::optional<SysTime> published = std::nullopt,
                std::string link = {}) {
    ParsedItem out;
    out.id = std::move(id);
    out.title = std::move(title);
    out.link = std::move(link);
    out.summary = "summary of " + out.title;
    out.published = published;
    return out;
}

// What dedup would compute, simplified: the key from the id, the canonical URL
// is the link as is, the hash covers what the tests change.
ItemKeys keys_of(const ParsedItem& it) {
    return ItemKeys{.item_key = "g:" + it.id,
                    .canonical_url = it.link,
                    .fingerprint = fnv1a64(it.title),
                    .content_hash = hex64(fnv1a64(it.title + '\n' + it.summary + '\n' + it.content)),
                    .features = {}};
}

ParsedFeed document(std::vector<ParsedItem> items, std::string title = "Feed title") {
    ParsedFeed feed;
    feed.format = FeedFormat::rss;
    feed.title = std::move(title);
    feed.link = "https://site.example/";
    feed.items = std::move(items);
    return feed;
}

std::vector<ItemKeys> keys_for(const ParsedFeed& feed) {
    std::vector<ItemKeys> out;
    for (const ParsedItem& it : feed.items) out.push_back(keys_of(it));
    return out;
}

const StoryMatcher kNoMatch = [](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate>) {
    return std::optional<std::int64_t>{};
};

void expect_counts(const IngestResult& r, int fresh, int updated, int unchanged, int duplicate) {
    EXPECT_EQ(r.new_items, fresh);
    EXPECT_EQ(r.updated_items, updated);
    EXPECT_EQ(r.unchanged_items, unchanged);
    EXPECT_EQ(r.duplicate_items, duplicate);
}

std::string expected_guid(std::string_view feed, std::string_view key) {
    return "urn:tributary:story:" + hex64(fnv1a64(std::string(feed) + '\n' + std::string(key)));
}

// The suite runs on both backends: SQLite in memory, and a schema of its own on the throwaway
// PostgreSQL server ctest starts (tests/support/postgresql.sh).
enum class Backend { sqlite, postgresql };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::sqlite ? "Sqlite" : "Postgresql";
}

Result<FeedStore> open_fresh(Backend backend) {
    if (backend == Backend::sqlite) return FeedStore::open_in_memory();
    const auto server = testing::postgresql_server();
    if (!server) return fail(ErrorKind::Internal, "the postgresql fixture did not run");
    return FeedStore::open_postgresql(PostgresqlDatabase{.conninfo = testing::fresh_postgresql_schema(*server),
                                                         .password = server->password,
                                                         .shown_as = "test",
                                                         .shared = false,
                                                         .daemon = {}});
}

class FeedStoreTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        auto s = open_fresh(GetParam());
        ASSERT_TRUE(s) << s.error().message;
        store.emplace(std::move(*s));
        ASSERT_TRUE(
            store->sync_feeds(specs({{"alpha", "https://a.example/feed"}, {"beta", "https://b.example/rss"}}), kT0));
    }

    Result<IngestResult> ingest(std::string_view name, const ParsedFeed& feed, SysTime now,
                                const StoryMatcher& match = kNoMatch, Seconds window = kWindow) {
        auto state = store->feed_state(name);
        if (!state) return std::unexpected(state.error());
        return store->ingest(*state, feed, keys_for(feed), match, now, window);
    }

    IngestResult ingest_ok(std::string_view name, const ParsedFeed& feed, SysTime now,
                           const StoryMatcher& match = kNoMatch, Seconds window = kWindow) {
        auto r = ingest(name, feed, now, match, window);
        EXPECT_TRUE(r) << r.error().message;
        return r.value_or(IngestResult{});
    }

    std::vector<MergedItem> merged(std::size_t limit = 100) {
        auto r = store->merged_items(limit);
        EXPECT_TRUE(r) << r.error().message;
        return r.value_or(std::vector<MergedItem>{});
    }

    std::int64_t item_count(std::string_view name) {
        auto s = store->feed_state(name);
        EXPECT_TRUE(s) << s.error().message;
        return s ? s->item_count : -1;
    }

    std::optional<FeedStore> store;
};

// --------------------------------------------------------------- feeds ---

// ----------------------------------------------------------- retention ---

// Items that left their feed's document are removed once unseen long enough; items of a feed's
// latest document stay however old (the feed still lists them); a story that loses its
// representative is shown through its remaining item, under the same guid; an emptied story goes.
TEST_P(FeedStoreTest, PruneRemovesItemsThatLeftTheirFeedAndTheStoriesLeftEmpty) {
    const std::string shared = "https://news.example/story";
    ingest_ok("alpha", document({item("a1", "Shared", kT0, shared), item("a2", "Alpha only", kT0)}), kT0);
    ingest_ok("beta", document({item("b1", "Shared elsewhere", kT0, shared)}), kT0 + 1min);
    ingest_ok("alpha", document({item("a3", "Later", kT0 + 10 * 24h)}), kT0 + 10 * 24h);
    ASSERT_EQ(merged().size(), 3u);

    auto pruned = store->prune(kT0 + 5 * 24h);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(pruned->items, 2);    // a1 and a2; beta's b1 is in beta's latest document
    EXPECT_EQ(pruned->stories, 1);  // a2's
    EXPECT_EQ(item_count("alpha"), 1);
    EXPECT_EQ(item_count("beta"), 1);
    // Only alpha lost items, and it says what it keeps (the daemon's /status shows that).
    ASSERT_EQ(pruned->feeds.size(), 1u);
    EXPECT_EQ(pruned->feeds[0].name, "alpha");
    EXPECT_EQ(pruned->feeds[0].items_left, 1);

    const std::vector<MergedItem> after = merged();
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0].title, "Later");
    EXPECT_EQ(after[1].guid, expected_guid("alpha", "g:a1"));  // the story keeps its guid…
    EXPECT_EQ(after[1].title, "Shared elsewhere");             // …shown through beta's item
    EXPECT_EQ(after[1].feed_name, "beta");

    auto again = store->prune(kT0 + 5 * 24h);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->items, 0);
    EXPECT_EQ(again->stories, 0);
    EXPECT_TRUE(again->feeds.empty());

    // A pruned item that comes back is a new item of its feed, and joins its story by URL.
    const IngestResult back = ingest_ok(
        "alpha", document({item("a3", "Later", kT0 + 10 * 24h), item("a1", "Shared", kT0, shared)}), kT0 + 11 * 24h);
    expect_counts(back, 0, 0, 1, 1);
    EXPECT_EQ(merged().size(), 2u);
}

int schema_version_of_this_build() { return detail::latest_version(detail::embedded_migrations()); }

TEST_P(FeedStoreTest, NewStoreIsMigrated) {
    const int latest = GetParam() == Backend::sqlite ? schema_version_of_this_build()
                                                     : detail::latest_version(detail::embedded_postgresql_migrations());
    EXPECT_GE(latest, 1);
    EXPECT_EQ(store->schema_version(), latest);
}

TEST_P(FeedStoreTest, SyncAddsFeedsWithEmptyState) {
    auto states = store->feed_states();
    ASSERT_TRUE(states) << states.error().message;
    ASSERT_EQ(states->size(), 2u);
    EXPECT_EQ((*states)[0], named("alpha", "https://a.example/feed"));
    EXPECT_EQ((*states)[1], named("beta", "https://b.example/rss"));
}

TEST_P(FeedStoreTest, FeedStatesAreOrderedByName) {
    ASSERT_TRUE(store->sync_feeds(specs({{"zulu", "https://z/"},
                                         {"alpha", "https://a.example/feed"},
                                         {"mike", "https://m/"},
                                         {"beta", "https://b.example/rss"}}),
                                  kT0));
    auto states = store->feed_states();
    ASSERT_TRUE(states);
    std::vector<std::string> names;
    for (const FeedState& s : *states) names.push_back(s.name);
    EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta", "mike", "zulu"}));
}

TEST_P(FeedStoreTest, UnknownFeedIsAnError) {
    auto r = store->feed_state("nope");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), (Error{ErrorKind::Db, "store: no feed named \"nope\""}));
    const FeedState state = named("nope");
    auto saved = store->save_feed_state(state);
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error(), (Error{ErrorKind::Db, "store: no feed named \"nope\""}));
}

// A round's states are written in one transaction; a feed that is not there fails alone.
TEST_P(FeedStoreTest, SeveralStatesAreSavedTogetherAndAMissingFeedFailsAlone) {
    ASSERT_TRUE(
        store->sync_feeds(specs({{"alpha", "https://a.example/feed"}, {"beta", "https://b.example/rss"}}), kT0));
    FeedState alpha = named("alpha", "https://a.example/feed", "\"a1\"");
    FeedState beta = named("beta", "https://b.example/rss", "\"b1\"");
    alpha.next_due = kT0 + 600s;
    beta.next_due = kT0 + 900s;
    const std::vector<FeedState> states{alpha, named("nope"), beta};
    const auto results = store->save_feed_states(states);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(results[0]);
    ASSERT_FALSE(results[1]);
    EXPECT_EQ(results[1].error(), (Error{ErrorKind::Db, "store: no feed named \"nope\""}));
    EXPECT_TRUE(results[2]);
    auto a = store->feed_state("alpha");
    auto b = store->feed_state("beta");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->etag, "\"a1\"");
    EXPECT_EQ(a->next_due, kT0 + 600s);
    EXPECT_EQ(b->etag, "\"b1\"");
    EXPECT_EQ(b->next_due, kT0 + 900s);
}

TEST_P(FeedStoreTest, StateRoundTripsEveryField) {
    FeedState state = named("alpha", "https://a.example/feed", "W/\"abc\"");
    state.last_modified = "Mon, 29 Dec 2025 11:02:17 GMT";
    state.last_fetch = kT0 + 10s;
    state.last_success = kT0 + 5s;
    state.last_outcome = "http_error";
    state.http_status = 503;
    state.last_error = "fetch: HTTP 503 from https://a.example/feed";
    state.consecutive_failures = 3;
    state.next_due = kT0 + 3600s;
    state.schedule_reason = "backoff";
    state.item_count = 0;
    state.moved_to = "https://a.example/new-feed";
    state.moved_count = 2;
    state.gone = true;
    state.encoding_declared = "utf-8";
    state.encoding_used = "windows-1256";
    state.publish_interval = 2400s;
    state.feed_ttl = 3600s;
    state.skip_hours = (1u << 0) | (1u << 23);
    state.skip_days = 1u << 6;
    state.fresh_until = kT0 + 600s;
    ASSERT_TRUE(store->save_feed_state(state));
    EXPECT_EQ(store->feed_state("alpha"), Result<FeedState>{state});

    // Optional times go back to "never".
    const FeedState cleared = named("alpha", "https://a.example/feed");
    ASSERT_TRUE(store->save_feed_state(cleared));
    EXPECT_EQ(store->feed_state("alpha"), Result<FeedState>{cleared});

    // The same through save_feed_states, which PostgreSQL writes in one statement for all.
    const std::vector<FeedState> full{state};
    ASSERT_TRUE(store->save_feed_states(full).at(0));
    EXPECT_EQ(store->feed_state("alpha"), Result<FeedState>{state});
    const std::vector<FeedState> empty{cleared};
    ASSERT_TRUE(store->save_feed_states(empty).at(0));
    EXPECT_EQ(store->feed_state("alpha"), Result<FeedState>{cleared});
}

TEST_P(FeedStoreTest, SaveStateNeverChangesUrlOrCount) {
    FeedState state = named("alpha", "https://elsewhere/", "x");
    state.item_count = 99;
    ASSERT_TRUE(store->save_feed_state(state));
    auto back = store->feed_state("alpha");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->url, "https://a.example/feed");
    EXPECT_EQ(back->item_count, 0);
    EXPECT_EQ(back->etag, "x");
}

TEST_P(FeedStoreTest, UrlChangeKeepsStateAndItems) {
    FeedState failing = named("alpha", "", "\"v1\"");
    failing.consecutive_failures = 2;
    ASSERT_TRUE(store->save_feed_state(failing));
    expect_counts(ingest_ok("alpha", document({item("1", "One", kT0)}), kT0), 1, 0, 0, 0);

    ASSERT_TRUE(
        store->sync_feeds(specs({{"alpha", "https://a.example/moved"}, {"beta", "https://b.example/rss"}}), kT0 + 1h));
    auto state = store->feed_state("alpha");
    ASSERT_TRUE(state);
    EXPECT_EQ(state->url, "https://a.example/moved");
    EXPECT_EQ(state->item_count, 1);
    ASSERT_EQ(merged().size(), 1u);
    EXPECT_EQ(merged()[0].source_url, "https://a.example/moved");
}

TEST_P(FeedStoreTest, RemovedFeedGoesInactiveKeepsItemsAndComesBack) {
    expect_counts(ingest_ok("beta", document({item("1", "One", kT0)}), kT0), 1, 0, 0, 0);
    ASSERT_TRUE(store->save_feed_state(named("beta", "", "\"b\"")));

    ASSERT_TRUE(store->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0 + 1h));
    auto states = store->feed_states();
    ASSERT_TRUE(states);
    ASSERT_EQ(states->size(), 1u);
    EXPECT_EQ((*states)[0].name, "alpha");
    // Still readable by name, and its items are still in the merged feed.
    auto beta = store->feed_state("beta");
    ASSERT_TRUE(beta);
    EXPECT_EQ(beta->item_count, 1);
    ASSERT_EQ(merged().size(), 1u);
    EXPECT_EQ(merged()[0].feed_name, "beta");

    ASSERT_TRUE(
        store->sync_feeds(specs({{"alpha", "https://a.example/feed"}, {"beta", "https://b.example/rss"}}), kT0 + 2h));
    states = store->feed_states();
    ASSERT_TRUE(states);
    ASSERT_EQ(states->size(), 2u);
    EXPECT_EQ((*states)[1].name, "beta");
    EXPECT_EQ((*states)[1].etag, "\"b\"");
    EXPECT_EQ((*states)[1].item_count, 1);
}

TEST_P(FeedStoreTest, DisabledFeedIsInactive) {
    auto list = specs({{"alpha", "https://a.example/feed"}, {"beta", "https://b.example/rss"}});
    list[1].enabled = false;
    ASSERT_TRUE(store->sync_feeds(list, kT0));
    auto states = store->feed_states();
    ASSERT_TRUE(states);
    ASSERT_EQ(states->size(), 1u);
    EXPECT_EQ((*states)[0].name, "alpha");
}

// -------------------------------------------------------------- ingest ---

TEST_P(FeedStoreTest, IngestCountsNewUnchangedAndUpdated) {
    ParsedFeed feed = document({item("1", "One", kT0), item("2", "Two", kT0 + 1min), item("3", "Three", kT0 + 2min)});
    const IngestResult first = ingest_ok("alpha", feed, kT0 + 5min);
    expect_counts(first, 3, 0, 0, 0);
    EXPECT_EQ(item_count("alpha"), 3);
    EXPECT_EQ(first.feed_items, 3);  // what the daemon's /status shows without reading the store again

    expect_counts(ingest_ok("alpha", feed, kT0 + 10min), 0, 0, 3, 0);

    feed.items[1].title = "Two (corrected)";
    expect_counts(ingest_ok("alpha", feed, kT0 + 15min), 0, 1, 2, 0);
    EXPECT_EQ(item_count("alpha"), 3);

    const auto all = merged();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[1].title, "Two (corrected)");
    EXPECT_EQ(all[1].description, "summary of Two");  // only the title changed
    EXPECT_EQ(all[1].first_seen, kT0 + 5min);         // an update is not a new story
    EXPECT_EQ(all[1].guid, expected_guid("alpha", "g:2"));
}

// Items that left the document stay stored (until retention), and so count.
TEST_P(FeedStoreTest, IngestReportsTheFeedsStoredItems) {
    EXPECT_EQ(ingest_ok("alpha", document({item("1", "One", kT0), item("2", "Two", kT0)}), kT0).feed_items, 2);
    EXPECT_EQ(ingest_ok("alpha", document({item("3", "Three", kT0)}), kT0 + 1h).feed_items, 3);
    EXPECT_EQ(ingest_ok("beta", document({item("b", "Other", kT0)}), kT0 + 1h).feed_items, 1);
    EXPECT_EQ(item_count("alpha"), 3);
}

// The daemon ingests the documents that wait for the database thread in one transaction: all of
// them are kept when the batch commits, none when it is abandoned or one of them failed (the
// daemon then ingests each alone).
TEST_P(FeedStoreTest, ABatchKeepsItsIngestsOnlyWhenNoneFailedAndItCommits) {
    ASSERT_TRUE(store->begin_batch());
    EXPECT_FALSE(store->begin_batch()) << "one batch at a time";
    ingest_ok("alpha", document({item("1", "One", kT0)}), kT0);
    ingest_ok("beta", document({item("b", "Two", kT0)}), kT0);
    ASSERT_TRUE(store->commit_batch());
    EXPECT_EQ(item_count("alpha"), 1);
    EXPECT_EQ(item_count("beta"), 1);
    EXPECT_FALSE(store->commit_batch()) << "none is open";

    ASSERT_TRUE(store->begin_batch());
    ingest_ok("alpha", document({item("1", "One", kT0), item("2", "Three", kT0)}), kT0 + 1h);
    store->abandon_batch();
    EXPECT_EQ(item_count("alpha"), 1);
    EXPECT_EQ(merged().size(), 2u);

    // A document that fails after writing some of its items: the batch keeps nothing of it, nor
    // of the documents before and after it.
    ASSERT_TRUE(store->begin_batch());
    ingest_ok("beta", document({item("c", "Four", kT0)}), kT0 + 1h);
    const ParsedFeed half = document({item("2", "Three", kT0), item("3", "Five", kT0)});
    const StoryMatcher stray = [](const ItemKeys& keys, const ParsedItem&,
                                  std::span<const StoryCandidate>) -> std::optional<std::int64_t> {
        if (keys.item_key == "g:3") return 12345;
        return std::nullopt;
    };
    ASSERT_FALSE(store->ingest(named("alpha"), half, keys_for(half), stray, kT0 + 1h, kWindow));
    const auto after = ingest("beta", document({item("d", "Six", kT0)}), kT0 + 1h);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().message, "store: ingest beta: an earlier ingest of this batch failed; abandon the batch");
    const auto committed = store->commit_batch();
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().message,
              "store: commit a batch of ingests: one of them failed, so the batch keeps none of them");
    EXPECT_EQ(item_count("alpha"), 1);
    EXPECT_EQ(item_count("beta"), 1);
    EXPECT_EQ(merged().size(), 2u);

    // Without a batch, an ingest is its own transaction, as before; a new batch starts clean.
    ingest_ok("alpha", document({item("1", "One", kT0), item("2", "Three", kT0)}), kT0 + 2h);
    EXPECT_EQ(item_count("alpha"), 2);
    ASSERT_TRUE(store->begin_batch());
    ingest_ok("beta", document({item("c", "Four", kT0)}), kT0 + 2h);
    ASSERT_TRUE(store->commit_batch());
    EXPECT_EQ(item_count("beta"), 2);
}

TEST_P(FeedStoreTest, RepeatedKeyInOneDocumentFirstWins) {
    const ParsedFeed feed = document({item("1", "First"), item("1", "Second copy"), item("2", "Other")});
    expect_counts(ingest_ok("alpha", feed, kT0), 2, 0, 1, 0);
    EXPECT_EQ(item_count("alpha"), 2);
    const auto all = merged();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].title, "Other");  // same first_seen: higher story id first
    EXPECT_EQ(all[1].title, "First");

    // Next poll: the same document changes nothing.
    expect_counts(ingest_ok("alpha", feed, kT0 + 1h), 0, 0, 3, 0);
}

TEST_P(FeedStoreTest, SameCanonicalUrlFromAnotherFeedIsADuplicate) {
    expect_counts(ingest_ok("alpha", document({item("a1", "Story", kT0, "https://news.example/x")}), kT0), 1, 0, 0, 0);
    int calls = 0;
    const StoryMatcher counting = [&](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate>) {
        ++calls;
        return std::optional<std::int64_t>{};
    };
    // Different key, different title, same canonical URL; published long before any window.
    const auto r = ingest_ok("beta", document({item("b1", "Other words", kT0 - 1000h, "https://news.example/x")}),
                             kT0 + 1h, counting);
    expect_counts(r, 0, 0, 0, 1);
    EXPECT_EQ(calls, 0);  // the URL decided, the matcher was not asked
    EXPECT_EQ(item_count("beta"), 1);

    const auto all = merged();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].feed_name, "alpha");
    EXPECT_EQ(all[0].guid, expected_guid("alpha", "g:a1"));
}

// The store looks up a document's canonical URLs in one statement: two of its items under one URL
// still make one story, a later feed's item under that URL joins it, and an item without a
// canonical URL joins nothing by URL (the matcher is asked).
TEST_P(FeedStoreTest, ItemsOfOneDocumentUnderOneCanonicalUrlMakeOneStory) {
    int calls = 0;
    const StoryMatcher counting = [&](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate>) {
        ++calls;
        return std::optional<std::int64_t>{};
    };
    const auto first = ingest_ok(
        "alpha",
        document({item("a1", "Story", kT0, "https://news.example/x"),
                  item("a2", "Story, corrected", kT0, "https://news.example/x"), item("a3", "No address", kT0, "")}),
        kT0, counting);
    expect_counts(first, 2, 0, 0, 1);
    const auto second = ingest_ok(
        "beta",
        document({item("b1", "Other words", kT0, "https://news.example/x"), item("b2", "No address either", kT0, "")}),
        kT0 + 1h, counting);
    expect_counts(second, 1, 0, 0, 1);
    EXPECT_EQ(calls, 3);  // a1, a3 and b2: the others were decided by their URL
    EXPECT_EQ(merged().size(), 3u);
}

TEST_P(FeedStoreTest, MatcherIsAskedAndItsAnswerHonoured) {
    ParsedItem first = item("a1", "Big news", kT0, "https://a.example/1");
    expect_counts(ingest_ok("alpha", document({first}), kT0), 1, 0, 0, 0);
    const std::int64_t story = 1;

    std::vector<StoryCandidate> offered;
    std::vector<std::string> asked;
    const StoryMatcher matcher = [&](const ItemKeys& keys, const ParsedItem& it,
                                     std::span<const StoryCandidate> recent) -> std::optional<std::int64_t> {
        asked.push_back(keys.item_key + " " + it.title);
        offered.assign(recent.begin(), recent.end());
        if (it.title == "Big news!") return story;
        return std::nullopt;
    };
    const auto r = ingest_ok("beta",
                             document({item("b1", "Big news!", kT0 + 1h, "https://b.example/1"),
                                       item("b2", "Unrelated", kT0 + 1h, "https://b.example/2")}),
                             kT0 + 2h, matcher);
    expect_counts(r, 1, 0, 0, 1);
    EXPECT_EQ(asked, (std::vector<std::string>{"g:b1 Big news!", "g:b2 Unrelated"}));
    ASSERT_EQ(offered.size(), 1u);  // for b2: only alpha's story (b1 joined it, created none)
    EXPECT_EQ(offered[0].story_id, story);
    EXPECT_EQ(offered[0].canonical_url, "https://a.example/1");
    EXPECT_EQ(offered[0].fingerprint, fnv1a64("Big news"));
    EXPECT_EQ(offered[0].published, kT0);

    const auto all = merged();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].title, "Unrelated");
    EXPECT_EQ(all[1].title, "Big news");
    EXPECT_EQ(all[1].feed_name, "alpha");
}

TEST_P(FeedStoreTest, StoriesCreatedInThisIngestAreCandidates) {
    std::vector<std::size_t> sizes;
    const StoryMatcher matcher = [&](const ItemKeys&, const ParsedItem& it,
                                     std::span<const StoryCandidate> recent) -> std::optional<std::int64_t> {
        sizes.push_back(recent.size());
        if (it.title == "Same again" && !recent.empty()) return recent.back().story_id;
        return std::nullopt;
    };
    const auto r = ingest_ok(
        "alpha",
        document({item("1", "Same", kT0, "https://a.example/1"), item("2", "Same again", kT0, "https://a.example/2")}),
        kT0, matcher);
    expect_counts(r, 1, 0, 0, 1);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(merged().size(), 1u);
}

TEST_P(FeedStoreTest, StoryWindowLimitsTheCandidates) {
    expect_counts(ingest_ok("alpha", document({item("a1", "Old", kT0)}), kT0), 1, 0, 0, 0);
    std::vector<std::size_t> sizes;
    const StoryMatcher matcher = [&](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate> recent) {
        sizes.push_back(recent.size());
        return std::optional<std::int64_t>{};
    };
    const auto r = ingest_ok(
        "beta",
        document({item("b1", "Just inside", kT0 + kWindow), item("b2", "Just outside", kT0 + kWindow + 1s),
                  item("b3", "Before, inside", kT0 - kWindow), item("b4", "Before, outside", kT0 - kWindow - 1s)}),
        kT0 + 100h, matcher);
    expect_counts(r, 4, 0, 0, 0);
    // b1 sees a1; b2 sees b1 only; b3 sees a1 (b1, b2 are 2 windows away); b4 sees b3 only.
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 1, 1, 1}));
}

TEST_P(FeedStoreTest, ItemWithoutDateIsPlacedAtNow) {
    expect_counts(ingest_ok("alpha", document({item("a1", "Dated", kT0)}), kT0), 1, 0, 0, 0);
    std::vector<std::size_t> sizes;
    const StoryMatcher matcher = [&](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate> recent) {
        sizes.push_back(recent.size());
        return std::optional<std::int64_t>{};
    };
    ingest_ok("beta", document({item("b1", "Undated")}), kT0 + 1h, matcher);
    ingest_ok("beta", document({item("b2", "Undated later")}), kT0 + 1000h, matcher);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 0}));
}

TEST_P(FeedStoreTest, IngestSavesStateAndFeedTitle) {
    FeedState state = named("alpha", "https://a.example/feed", "\"e1\"");
    state.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
    state.last_fetch = kT0;
    state.last_success = kT0;
    state.last_outcome = "fetched";
    state.http_status = 200;
    state.next_due = kT0 + 15min;
    state.schedule_reason = "interval";
    const ParsedFeed feed = document({item("1", "One")}, "Alpha News");
    auto r = store->ingest(state, feed, keys_for(feed), kNoMatch, kT0, kWindow);
    ASSERT_TRUE(r) << r.error().message;
    state.item_count = 1;
    EXPECT_EQ(store->feed_state("alpha"), Result<FeedState>{state});
    ASSERT_EQ(merged().size(), 1u);
    EXPECT_EQ(merged()[0].source_title, "Alpha News");

    // A document without a title keeps the one we know.
    const ParsedFeed untitled = document({item("1", "One")}, "");
    ASSERT_TRUE(store->ingest(state, untitled, keys_for(untitled), kNoMatch, kT0 + 1h, kWindow));
    EXPECT_EQ(merged()[0].source_title, "Alpha News");
}

TEST_P(FeedStoreTest, UnknownFeedIngestWritesNothing) {
    const ParsedFeed feed = document({item("1", "One")});
    auto r = store->ingest(named("ghost"), feed, keys_for(feed), kNoMatch, kT0, kWindow);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), (Error{ErrorKind::Db, "store: no feed named \"ghost\""}));
    EXPECT_TRUE(merged().empty());
}

TEST_P(FeedStoreTest, KeysMustMatchItems) {
    const ParsedFeed feed = document({item("1", "One"), item("2", "Two")});
    const std::vector<ItemKeys> one{keys_of(feed.items[0])};
    auto r = store->ingest(named("alpha"), feed, one, kNoMatch, kT0, kWindow);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), (Error{ErrorKind::Internal, "store: ingest alpha: 1 keys for 2 items"}));
}

TEST_P(FeedStoreTest, FailureMidIngestRollsBackEverything) {
    ParsedFeed before = document({item("1", "One", kT0)});
    expect_counts(ingest_ok("alpha", before, kT0), 1, 0, 0, 0);
    const auto merged_before = merged();

    // Item 1 changed (an update), item 2 new (a story), item 3 new: the matcher
    // then answers a story it was never offered, which is an error.
    ParsedFeed feed = document({item("1", "One, edited", kT0), item("2", "Two", kT0), item("3", "Three", kT0)});
    const StoryMatcher bad = [](const ItemKeys& keys, const ParsedItem&,
                                std::span<const StoryCandidate>) -> std::optional<std::int64_t> {
        if (keys.item_key == "g:3") return 12345;
        return std::nullopt;
    };
    const FeedState state = named("alpha", "", "\"must not be saved\"");
    auto r = store->ingest(state, feed, keys_for(feed), bad, kT0 + 1h, kWindow);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), (Error{ErrorKind::Internal,
                                "store: ingest alpha: the story matcher picked story 12345, "
                                "which was not one of its candidates"}));

    EXPECT_EQ(merged(), merged_before);
    auto after = store->feed_state("alpha");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->etag, "");
    EXPECT_EQ(after->item_count, 1);

    // The store is still usable, and item 2 still gets story 2 and its guid.
    expect_counts(ingest_ok("alpha", feed, kT0 + 2h), 2, 1, 0, 0);
    EXPECT_EQ(merged().size(), 3u);
}

TEST_P(FeedStoreTest, ThrowingMatcherRollsBack) {
    const StoryMatcher throws = [](const ItemKeys& keys, const ParsedItem&,
                                   std::span<const StoryCandidate>) -> std::optional<std::int64_t> {
        if (keys.item_key == "g:2") throw std::runtime_error("boom");
        return std::nullopt;
    };
    const ParsedFeed feed = document({item("1", "One"), item("2", "Two")});
    EXPECT_THROW((void)store->ingest(named("alpha"), feed, keys_for(feed), throws, kT0, kWindow), std::runtime_error);
    EXPECT_TRUE(merged().empty());
    EXPECT_EQ(item_count("alpha"), 0);
    expect_counts(ingest_ok("alpha", feed, kT0), 2, 0, 0, 0);
}

// -------------------------------------------------------------- merged ---

// Stories come newest first by when they were first seen, whatever dates their items carry.
TEST_P(FeedStoreTest, MergedItemsNewestFirstSeenOnePerStoryWithLimit) {
    ParsedItem full = item("a1", "Full", kT0 + 3h, "https://a.example/full");
    full.author = "Karima";
    full.summary = "";
    full.content = "<p>content only</p>";
    full.categories = {"Maroc", "اقتصاد", "quote\"d"};
    ingest_ok("alpha", document({full, item("a2", "Old", kT0 - 5h)}, ""), kT0);
    // b2 has the same URL as a1: a duplicate. b1 and b3 are new stories, first seen at kT0 + 1h.
    ingest_ok("beta",
              document({item("b1", "Undated"), item("b2", "Dup", kT0 + 4h, "https://a.example/full"),
                        item("b3", "Tie", kT0 + 3h)},
                       "Beta Daily"),
              kT0 + 1h);

    const auto all = merged();
    std::vector<std::string> titles;
    for (const auto& m : all) titles.push_back(m.title);
    // Tie and Undated were first seen together (Tie's story is newer: higher id), then Old and
    // Full (Full dated three hours after Tie, Old five hours before: neither date counts).
    EXPECT_EQ(titles, (std::vector<std::string>{"Tie", "Undated", "Old", "Full"}));

    const MergedItem expected{.guid = expected_guid("alpha", "g:a1"),
                              .title = "Full",
                              .link = "https://a.example/full",
                              .description = "<p>content only</p>",
                              .author = "Karima",
                              .categories = {"Maroc", "اقتصاد", "quote\"d"},
                              .published = kT0 + 3h,
                              .updated = std::nullopt,
                              .first_seen = kT0,
                              .feed_name = "alpha",
                              .source_title = "alpha",  // no title known: the name
                              .source_url = "https://a.example/feed",
                              .source_link = "https://site.example/",
                              .also_reported_by = {OtherSource{.feed_name = "beta",
                                                               .feed_title = "Beta Daily",
                                                               .feed_link = "https://site.example/",
                                                               .item_link = "https://a.example/full"}},
                              .content = {},
                              .language = {},
                              .enclosures = {}};
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[3], expected);
    EXPECT_EQ(all[1].published, std::nullopt);
    EXPECT_EQ(all[1].first_seen, kT0 + 1h);
    EXPECT_EQ(all[1].source_title, "Beta Daily");
    EXPECT_EQ(all[1].description, "summary of Undated");
    EXPECT_TRUE(all[1].also_reported_by.empty());

    const auto two = merged(2);
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0].title, "Tie");
    EXPECT_EQ(two[1].title, "Undated");
    EXPECT_TRUE(merged(0).empty());
}

TEST_P(FeedStoreTest, StoryGuidIsStableAcrossReingestAndUpdates) {
    ParsedFeed feed = document({item("x", "Title", kT0)});
    ingest_ok("alpha", feed, kT0);
    const std::string guid = expected_guid("alpha", "g:x");
    ASSERT_EQ(merged().size(), 1u);
    EXPECT_EQ(merged()[0].guid, guid);

    ingest_ok("alpha", feed, kT0 + 1h);
    feed.items[0].summary = "rewritten";
    feed.items[0].published = kT0 + 2h;
    expect_counts(ingest_ok("alpha", feed, kT0 + 2h), 0, 1, 0, 0);
    const auto all = merged();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].guid, guid);
    EXPECT_EQ(all[0].description, "rewritten");
    EXPECT_EQ(all[0].published, kT0 + 2h);
}

// A feed that re-dates an item changes what the entry says, never where it stands: subscribers do
// not see it again as news.
TEST_P(FeedStoreTest, RedatedRepresentativeKeepsItsPlace) {
    ParsedFeed feed = document({item("1", "One", kT0), item("2", "Two", kT0 + 1h)});
    ingest_ok("alpha", feed, kT0);
    ASSERT_EQ(merged()[0].title, "Two");
    feed.items[0].title = "One, redated";
    feed.items[0].published = kT0 + 2h;
    feed.items[0].updated = kT0 + 3h;
    ingest_ok("alpha", feed, kT0 + 3h);
    const auto all = merged();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].title, "Two");
    EXPECT_EQ(all[1].title, "One, redated");
    EXPECT_EQ(all[1].published, kT0 + 2h);  // as the feed wrote it…
    EXPECT_EQ(all[1].updated, kT0 + 3h);
    EXPECT_EQ(all[1].first_seen, kT0);
    EXPECT_EQ(shown_date(all[1]), kT0);  // …but later than first seen: shown at first seen
}

// ------------------------------------------------------- merged modes ---

using Dedup = OutputSpec::Dedup;

// Puts every item whose title starts with "Same" into the oldest story it is offered.
const StoryMatcher kSameStory = [](const ItemKeys&, const ParsedItem& it, std::span<const StoryCandidate> recent) {
    if (!it.title.starts_with("Same") || recent.empty()) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>{recent.front().story_id};
};

FeedSpec feed_spec(std::string name, std::string url, int priority = 0) {
    FeedSpec spec;
    spec.name = std::move(name);
    spec.url = std::move(url);
    spec.priority = priority;
    return spec;
}

std::vector<std::string> titles_of(const std::vector<MergedItem>& items) {
    std::vector<std::string> out;
    for (const MergedItem& m : items) out.push_back(m.title);
    return out;
}

std::vector<std::string> guids_of(const std::vector<MergedItem>& items) {
    std::vector<std::string> out;
    for (const MergedItem& m : items) out.push_back(m.guid);
    return out;
}

std::vector<std::string> other_feeds(const MergedItem& item) {
    std::vector<std::string> out;
    for (const OtherSource& other : item.also_reported_by) out.push_back(other.feed_name);
    return out;
}

// What an entry shows beside its text comes from its item: the full content when the item had a
// summary too, its language (else its feed's), its enclosures; and an edit of the item reaches them.
TEST_P(FeedStoreTest, MergedEntriesCarryContentLanguageAndEnclosures) {
    ParsedItem podcast = item("a1", "Episode", kT0, "https://a.example/ep1");
    podcast.content = "<p>Full notes</p>";
    podcast.language = "fr";
    podcast.enclosures = {{.url = "https://a.example/ep1.mp3", .type = "audio/mpeg", .length = 1234},
                          {.url = "https://a.example/ep1.jpg", .type = "", .length = std::nullopt}};
    ParsedFeed alpha = document({podcast});
    alpha.language = "ar";
    ingest_ok("alpha", alpha, kT0);
    ParsedItem plain = item("b1", "Plain", kT0 + 1min, "https://b.example/b1");
    plain.summary.clear();
    plain.content = "<p>Only content</p>";
    ingest_ok("beta", document({plain}), kT0 + 1min);

    auto entries = merged();
    ASSERT_EQ(entries.size(), 2u);
    const MergedItem& b = entries[0];  // newest first
    const MergedItem& a = entries[1];
    EXPECT_EQ(a.description, "summary of Episode");
    EXPECT_EQ(a.content, "<p>Full notes</p>");
    EXPECT_EQ(a.language, "fr");
    EXPECT_EQ(a.enclosures, podcast.enclosures);
    EXPECT_EQ(b.description, "<p>Only content</p>");
    EXPECT_EQ(b.content, "");  // the description is the content already
    EXPECT_EQ(b.language, "");
    EXPECT_TRUE(b.enclosures.empty());

    podcast.language.clear();
    podcast.enclosures.pop_back();
    podcast.summary = "new summary";
    ingest_ok("alpha", document({podcast}), kT0 + 2min);
    entries = merged();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].language, "ar");  // the feed's, remembered from its document
    EXPECT_EQ(entries[1].enclosures.size(), 1u);
}

class MergedModesTest : public FeedStoreTest {
protected:
    std::vector<MergedItem> merged_in(Dedup mode, std::size_t limit = 100) {
        auto r = store->merged_items(limit, mode);
        EXPECT_TRUE(r) << r.error().message;
        return r.value_or(std::vector<MergedItem>{});
    }

    void sync(std::vector<FeedSpec> feeds, SysTime now) {
        auto r = store->sync_feeds(feeds, now);
        ASSERT_TRUE(r) << r.error().message;
    }
};

INSTANTIATE_TEST_SUITE_P(Backends, FeedStoreTest, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, MergedModesTest, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_name);

const std::string kUrlOne = "https://news.example/one";
const std::string kUrlTwo = "https://other.example/two";

// An output of some feeds: a quiet feed's item stays in it however many newer items louder feeds
// published; a story another feed told first is shown through the selected feed's copy, and names
// no feed the output does not carry.
TEST_P(MergedModesTest, AFeedSelectionReadsPastOtherFeedsAndShowsOnlyItsOwn) {
    sync({feed_spec("alpha", "https://a.example/feed"), feed_spec("beta", "https://b.example/rss"),
          feed_spec("quiet", "https://q.example/rss"), feed_spec("loud", "https://l.example/rss")},
         kT0);
    ingest_ok("alpha", document({item("s1", "Same story first", kT0)}), kT0);
    ingest_ok("beta", document({item("s2", "Same story again", kT0)}), kT0 + 1min, kSameStory);
    ingest_ok("quiet", document({item("q1", "Quiet news", kT0)}), kT0 + 2min);
    std::vector<ParsedItem> loud;
    for (int i = 0; i < 50; ++i) loud.push_back(item("l" + std::to_string(i), "Loud " + std::to_string(i), kT0));
    ingest_ok("loud", document(loud), kT0 + 3min);

    const std::vector<std::string> selection{"beta", "quiet"};  // sorted, as selected_feeds gives them
    for (const Dedup mode : {Dedup::story, Dedup::url, Dedup::item}) {
        auto r = store->merged_items(2, mode, std::span<const std::string>(selection));
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(titles_of(*r), (std::vector<std::string>{"Quiet news", "Same story again"})) << int(mode);
        for (const MergedItem& m : *r) EXPECT_TRUE(m.also_reported_by.empty()) << m.title;
    }
    auto one = store->merged_items(1, Dedup::story, std::span<const std::string>(selection));
    ASSERT_TRUE(one);
    EXPECT_EQ(titles_of(*one), std::vector<std::string>{"Quiet news"});
    const std::vector<std::string> nothing;
    auto none = store->merged_items(10, Dedup::story, std::span<const std::string>(nothing));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    // Without a selection: the newest of every feed, alpha's copy shown and beta named.
    const auto all = merged_in(Dedup::story, 100);
    ASSERT_EQ(all.size(), 52u);
    EXPECT_EQ(all[51].title, "Same story first");
    EXPECT_EQ(other_feeds(all[51]), std::vector<std::string>{"beta"});
}

// One story told by two feeds under two URLs, one item without a URL, and a story of its own:
// story mode gives two entries, url mode one per (story, URL) and per URL-less item, item mode all.
TEST_P(MergedModesTest, EachModeCountsItsOwnEntriesUnderItsOwnGuids) {
    const auto load = [&](SysTime alpha_at, SysTime beta_at) {
        ingest_ok("alpha", document({item("a1", "Same story", kT0, kUrlOne), item("a2", "Alone", kT0)}), alpha_at);
        ingest_ok(
            "beta",
            document({item("b1", "Same story, beta", kT0, kUrlOne), item("b2", "Same story rewritten", kT0, kUrlTwo),
                      item("b3", "Same story without link", kT0)}),
            beta_at, kSameStory);
    };
    load(kT0, kT0 + 1h);
    const std::string story_one = expected_guid("alpha", "g:a1");
    const std::string story_two = expected_guid("alpha", "g:a2");

    const auto stories = merged_in(Dedup::story);
    EXPECT_EQ(titles_of(stories), (std::vector<std::string>{"Alone", "Same story"}));
    EXPECT_EQ(guids_of(stories), (std::vector<std::string>{story_two, story_one}));  // today's story guids
    EXPECT_EQ(merged(), stories);                                                    // the default mode
    ASSERT_EQ(stories.size(), 2u);
    EXPECT_EQ(other_feeds(stories[1]), std::vector<std::string>{"beta"});
    EXPECT_EQ(stories[1].also_reported_by[0].item_link, kUrlOne);  // beta's earliest item, b1

    // Newest first by the first item of each (story, URL): beta's were seen an hour after alpha's.
    const auto urls = merged_in(Dedup::url);
    EXPECT_EQ(titles_of(urls),
              (std::vector<std::string>{"Same story without link", "Same story rewritten", "Alone", "Same story"}));
    EXPECT_EQ(guids_of(urls),
              (std::vector<std::string>{
                  detail::url_entry_guid(story_one, "beta", "g:b3"), detail::url_entry_guid(story_one, kUrlTwo),
                  detail::url_entry_guid(story_two, "alpha", "g:a2"), detail::url_entry_guid(story_one, kUrlOne)}));
    ASSERT_EQ(urls.size(), 4u);
    EXPECT_EQ(other_feeds(urls[1]), std::vector<std::string>{"alpha"});  // the story's other feeds
    EXPECT_EQ(other_feeds(urls[3]), std::vector<std::string>{"beta"});

    const auto items = merged_in(Dedup::item);
    EXPECT_EQ(titles_of(items), (std::vector<std::string>{"Same story without link", "Same story rewritten",
                                                          "Same story, beta", "Alone", "Same story"}));
    EXPECT_EQ(guids_of(items), (std::vector<std::string>{
                                   detail::item_entry_guid("beta", "g:b3"), detail::item_entry_guid("beta", "g:b2"),
                                   detail::item_entry_guid("beta", "g:b1"), detail::item_entry_guid("alpha", "g:a2"),
                                   detail::item_entry_guid("alpha", "g:a1")}));
    ASSERT_EQ(items.size(), 5u);
    EXPECT_EQ(other_feeds(items[2]), std::vector<std::string>{"alpha"});
    EXPECT_TRUE(items[3].also_reported_by.empty());

    // No guid is shared between entries or modes.
    std::set<std::string> all;
    for (const auto* list : {&stories, &urls, &items})
        for (const MergedItem& m : *list) all.insert(m.guid);
    EXPECT_EQ(all.size(), stories.size() + urls.size() + items.size());

    EXPECT_EQ(titles_of(merged_in(Dedup::url, 2)),
              (std::vector<std::string>{"Same story without link", "Same story rewritten"}));
    EXPECT_EQ(merged_in(Dedup::item, 1).size(), 1u);
    EXPECT_TRUE(merged_in(Dedup::url, 0).empty());

    // Polled again: every entry keeps its guid.
    load(kT0 + 2h, kT0 + 3h);
    EXPECT_EQ(guids_of(merged_in(Dedup::story)), guids_of(stories));
    EXPECT_EQ(guids_of(merged_in(Dedup::url)), guids_of(urls));
    EXPECT_EQ(guids_of(merged_in(Dedup::item)), guids_of(items));
}

// Two feeds without guids that link one URL share the item key "l:<url>": in item mode they are
// two entries all the same.
TEST_P(MergedModesTest, ItemGuidsOfTwoFeedsWithOneKeyDiffer) {
    ParsedItem a = item("", "Same page", kT0, kUrlOne);
    ParsedItem b = item("", "Same page, again", kT0, kUrlOne);
    ParsedFeed fa = document({a});
    ParsedFeed fb = document({b});
    std::vector<ItemKeys> ka{keys_of(a)};
    std::vector<ItemKeys> kb{keys_of(b)};
    ka[0].item_key = kb[0].item_key = "l:" + kUrlOne;
    ASSERT_TRUE(store->ingest(*store->feed_state("alpha"), fa, ka, kNoMatch, kT0, kWindow));
    ASSERT_TRUE(store->ingest(*store->feed_state("beta"), fb, kb, kNoMatch, kT0 + 1h, kWindow));
    const auto items = merged_in(Dedup::item);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_NE(items[0].guid, items[1].guid);
    EXPECT_EQ(merged_in(Dedup::story).size(), 1u);
    EXPECT_EQ(merged_in(Dedup::url).size(), 1u);
}

// The representative is the earliest copy, unless a feed of higher priority carries the story:
// then its copy, the earliest among equals. The story keeps its guid and its place.
TEST_P(MergedModesTest, PriorityChoosesTheRepresentative) {
    ingest_ok("alpha", document({item("a1", "Alpha's", kT0, kUrlOne)}, "Alpha"), kT0);
    ingest_ok("alpha", document({item("a1", "Alpha's", kT0, kUrlOne), item("a2", "Later", kT0)}, "Alpha"), kT0 + 30min);
    ingest_ok("beta", document({item("b1", "Beta's", kT0, kUrlOne)}, "Beta"), kT0 + 1h);
    const std::string guid = expected_guid("alpha", "g:a1");
    const auto shown = [&](Dedup mode = Dedup::story) {
        const auto all = merged_in(mode);
        return all.empty() ? MergedItem{} : all.back();
    };

    EXPECT_EQ(shown().title, "Alpha's");  // equal priorities: the earliest
    EXPECT_EQ(other_feeds(shown()), std::vector<std::string>{"beta"});

    sync({feed_spec("alpha", "https://a.example/feed"), feed_spec("beta", "https://b.example/rss", 50)}, kT0 + 2h);
    MergedItem top = shown();
    EXPECT_EQ(top.title, "Beta's");
    EXPECT_EQ(top.feed_name, "beta");
    EXPECT_EQ(top.source_title, "Beta");
    EXPECT_EQ(top.first_seen, kT0 + 1h);
    EXPECT_EQ(top.guid, guid);
    EXPECT_EQ(other_feeds(top), std::vector<std::string>{"alpha"});
    // Still placed by the story's first sight, before the later story, not by its copy's.
    EXPECT_EQ(titles_of(merged_in(Dedup::story)), (std::vector<std::string>{"Later", "Beta's"}));
    EXPECT_EQ(shown(Dedup::url).title, "Beta's");  // the same choice within a URL
    EXPECT_EQ(merged_in(Dedup::item).size(), 3u);  // every item is its own entry
    EXPECT_EQ(shown(Dedup::item).title, "Alpha's");

    // A third feed of the same priority comes later: the earliest of the two keeps the place.
    sync({feed_spec("alpha", "https://a.example/feed"), feed_spec("beta", "https://b.example/rss", 50),
          feed_spec("gamma", "https://g.example/feed", 50)},
         kT0 + 3h);
    ingest_ok("gamma", document({item("g1", "Gamma's", kT0, kUrlOne)}, "Gamma"), kT0 + 3h);
    EXPECT_EQ(shown().title, "Beta's");
    EXPECT_EQ(other_feeds(shown()), (std::vector<std::string>{"alpha", "gamma"}));

    sync({feed_spec("alpha", "https://a.example/feed"), feed_spec("beta", "https://b.example/rss", 50),
          feed_spec("gamma", "https://g.example/feed", 100)},
         kT0 + 4h);
    EXPECT_EQ(shown().title, "Gamma's");
    EXPECT_EQ(other_feeds(shown()), (std::vector<std::string>{"alpha", "beta"}));

    sync({feed_spec("alpha", "https://a.example/feed"), feed_spec("beta", "https://b.example/rss"),
          feed_spec("gamma", "https://g.example/feed")},
         kT0 + 5h);
    EXPECT_EQ(shown().title, "Alpha's");
    EXPECT_EQ(shown().guid, guid);
}

// Every other feed of the story once, through its earliest item, in the order first seen; the
// representative's feed never; the feed's site when it is publishable, else the feed's URL.
TEST_P(MergedModesTest, AlsoReportedByNamesEachOtherFeedOnceInFirstSeenOrder) {
    sync({feed_spec("alpha", "https://a.example/feed"), feed_spec("beta", "https://b.example/rss"),
          feed_spec("gamma", "https://g.example/feed")},
         kT0);
    ingest_ok("alpha", document({item("a1", "Same story", kT0, kUrlOne)}, "Alpha"), kT0);
    ParsedFeed gamma = document({item("g1", "Same story, gamma", kT0, kUrlOne)}, "Gamma News");
    gamma.link.clear();
    ingest_ok("gamma", gamma, kT0 + 1h);
    ParsedFeed beta = document({item("b1", "Same story, beta", kT0, "https://b.example/1"),
                                item("b2", "Same story, beta again", kT0, "https://b.example/2")},
                               "Beta Daily");
    beta.link = "javascript:alert(1)";
    ingest_ok("beta", beta, kT0 + 2h, kSameStory);
    ingest_ok(
        "alpha",
        document({item("a1", "Same story", kT0, kUrlOne), item("a3", "Same story, alpha", kT0, kUrlTwo)}, "Alpha"),
        kT0 + 3h, kSameStory);

    const auto stories = merged_in(Dedup::story);
    ASSERT_EQ(stories.size(), 1u);
    EXPECT_EQ(stories[0].title, "Same story");
    EXPECT_EQ(stories[0].also_reported_by, (std::vector<OtherSource>{OtherSource{.feed_name = "gamma",
                                                                                 .feed_title = "Gamma News",
                                                                                 .feed_link = "https://g.example/feed",
                                                                                 .item_link = kUrlOne},
                                                                     OtherSource{.feed_name = "beta",
                                                                                 .feed_title = "Beta Daily",
                                                                                 .feed_link = "https://b.example/rss",
                                                                                 .item_link = "https://b.example/1"}}));

    const auto items = merged_in(Dedup::item);
    ASSERT_EQ(items.size(), 5u);
    EXPECT_EQ(items[1].title, "Same story, beta again");
    EXPECT_EQ(other_feeds(items[1]), (std::vector<std::string>{"alpha", "gamma"}));
    EXPECT_EQ(items[1].also_reported_by[0].feed_link, "https://site.example/");
    EXPECT_EQ(items[1].also_reported_by[0].item_link, kUrlOne);  // alpha's earliest, not a3
}

// The representative's dates as its feed wrote them, for the renderers' shown date: Atom entries
// often carry only <updated>.
TEST_P(MergedModesTest, MergedItemsCarryPublishedAndUpdated) {
    ParsedItem only_updated = item("u", "Only updated");
    only_updated.updated = kT0 - 1h;
    ParsedItem both = item("b", "Both", kT0 - 3h);
    both.updated = kT0 - 2h;
    ingest_ok("alpha", document({only_updated, both}), kT0);
    const auto all = merged_in(Dedup::story);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].title, "Both");
    EXPECT_EQ(all[0].published, kT0 - 3h);
    EXPECT_EQ(all[0].updated, kT0 - 2h);
    EXPECT_EQ(shown_date(all[0]), kT0 - 3h);
    EXPECT_EQ(all[1].published, std::nullopt);
    EXPECT_EQ(all[1].updated, kT0 - 1h);
    EXPECT_EQ(shown_date(all[1]), kT0 - 1h);
}

// What a read costs must not grow with the store (1M items): each entry statement walks a
// first_seen index in the order it returns, so LIMIT ends the walk (no sort of the whole table);
// the per-entry statements only search (by story, by id). Checked on the plans SQLite makes for
// the real schema.
TEST(MergedFeedQueries, NoFullScanAndNoSortOfTheStore) {
    auto db = Db::open_in_memory();
    ASSERT_TRUE(db);
    ASSERT_TRUE(detail::migrate(*db, detail::embedded_migrations()));
    const std::set<std::string_view> entry_statements{"story entries", "url entries", "item entries"};
    ASSERT_EQ(detail::merged_feed_queries().size(), 5u);
    for (const detail::MergedQuery& q : detail::merged_feed_queries()) {
        SCOPED_TRACE(q.name);
        auto plan = Statement::prepare(*db, "EXPLAIN QUERY PLAN " + std::string(q.sql), "plan");
        ASSERT_TRUE(plan) << plan.error().message;
        std::vector<std::string> steps;
        while (true) {
            auto row = plan->step();
            ASSERT_TRUE(row) << row.error().message;
            if (!*row) break;
            steps.push_back(plan->column_text(3));
        }
        int scans = 0;
        for (const std::string& step : steps) {
            SCOPED_TRACE(step);
            if (step.starts_with("SCAN")) {
                ++scans;
                EXPECT_TRUE(entry_statements.contains(q.name));
                EXPECT_TRUE(step.ends_with(" USING INDEX stories_by_first_seen") ||
                            step.ends_with(" USING INDEX items_by_first_seen"));
            }
            if (entry_statements.contains(q.name)) {
                EXPECT_EQ(step.find("TEMP B-TREE"), std::string::npos);
            }
        }
        EXPECT_EQ(scans, entry_statements.contains(q.name) ? 1 : 0);
    }
}

// ---------------------------------------------------------------- files ---

class FeedStoreFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir = std::filesystem::temp_directory_path() /
              ("tributary-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        file = dir / "tributary.db";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::filesystem::path dir;
    std::filesystem::path file;
};

TEST_F(FeedStoreFileTest, PersistsAcrossReopenInWalMode) {
    std::vector<MergedItem> written;
    {
        auto s = FeedStore::open(file);
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(s->schema_version(), schema_version_of_this_build());
        ASSERT_TRUE(s->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
        FeedState saved = named("alpha", "", "\"keep\"");
        saved.next_due = kT0 + 1h;
        ASSERT_TRUE(s->save_feed_state(saved));
        const ParsedFeed feed = document({item("1", "One", kT0), item("2", "Two", kT0 + 1min)});
        auto state = s->feed_state("alpha");
        ASSERT_TRUE(state);
        ASSERT_TRUE(s->ingest(*state, feed, keys_for(feed), kNoMatch, kT0, kWindow));
        auto m = s->merged_items(10);
        ASSERT_TRUE(m);
        written = *m;
        ASSERT_EQ(written.size(), 2u);
    }
    {
        auto db = Db::open(file.string(), Db::Mode::read_only);
        ASSERT_TRUE(db) << db.error().message;
        EXPECT_EQ(db->pragma_text("PRAGMA journal_mode", "test"), Result<std::string>{"wal"});
        EXPECT_EQ(db->user_version(), Result<int>{schema_version_of_this_build()});
    }
    auto again = FeedStore::open(file);  // migrations are a no-op now
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->schema_version(), schema_version_of_this_build());
    EXPECT_EQ(again->merged_items(10), Result<std::vector<MergedItem>>{written});
    auto state = again->feed_state("alpha");
    ASSERT_TRUE(state);
    EXPECT_EQ(state->etag, "\"keep\"");
    EXPECT_EQ(state->next_due, kT0 + 1h);
    EXPECT_EQ(state->item_count, 2);

    // A reader alongside the writer sees the same data and cannot write.
    auto reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->merged_items(10), Result<std::vector<MergedItem>>{written});
    auto states = reader->feed_states();
    ASSERT_TRUE(states);
    ASSERT_EQ(states->size(), 1u);
    EXPECT_EQ((*states)[0], *state);
    auto write = reader->save_feed_state(*state);
    ASSERT_FALSE(write);
    EXPECT_EQ(write.error().kind, ErrorKind::Db);
    EXPECT_NE(write.error().message.find("readonly"), std::string::npos) << write.error().message;

    // The reader sees the writer's later commits (no snapshot kept open).
    ASSERT_TRUE(again->save_feed_state(named("alpha", "", "\"new\"")));
    auto seen = reader->feed_state("alpha");
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->etag, "\"new\"");
}

// On a full disk a WAL-mode commit fails when SQLite writes the WAL. Every write must report it
// (a lost feed state means a lost backoff), leave what was stored before untouched, and work again
// once there is room.
// feeds.conf `priority` lives in the feeds table (schema 0005), and a reader of the file chooses the
// representative by it as the writer does; a later commit reaches the reader's next read.
TEST_F(FeedStoreFileTest, SyncWritesPriorityAndReadersChooseByIt) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    std::vector<FeedSpec> feeds = specs({{"alpha", "https://a.example/feed"}, {"beta", "https://b.example/rss"}});
    feeds[1].priority = 70;
    ASSERT_TRUE(s->sync_feeds(feeds, kT0));
    const auto read_priorities = [&] {
        auto db = Db::open(file.string(), Db::Mode::read_only);
        EXPECT_TRUE(db) << db.error().message;
        auto q = Statement::prepare(*db, "SELECT name, priority FROM feeds ORDER BY name", "test");
        EXPECT_TRUE(q) << q.error().message;
        std::vector<std::pair<std::string, std::int64_t>> out;
        while (q->step().value_or(false)) out.emplace_back(q->column_text(0), q->column_int64(1));
        return out;
    };
    EXPECT_EQ(read_priorities(), (std::vector<std::pair<std::string, std::int64_t>>{{"alpha", 0}, {"beta", 70}}));

    const std::string url = "https://news.example/x";
    for (const auto& [name, title, at] :
         {std::tuple{"alpha", "Alpha's", kT0}, std::tuple{"beta", "Beta's", kT0 + 1h}}) {
        const ParsedFeed feed = document({item(std::string(name) + "1", title, kT0, url)});
        auto state = s->feed_state(name);
        ASSERT_TRUE(state);
        ASSERT_TRUE(s->ingest(*state, feed, keys_for(feed), kNoMatch, at, kWindow));
    }
    auto reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(reader) << reader.error().message;
    auto shown = reader->merged_items(10);
    ASSERT_TRUE(shown) << shown.error().message;
    ASSERT_EQ(shown->size(), 1u);
    EXPECT_EQ((*shown)[0].title, "Beta's");
    EXPECT_EQ((*shown)[0].guid, expected_guid("alpha", "g:alpha1"));

    feeds[1].priority = 0;
    ASSERT_TRUE(s->sync_feeds(feeds, kT0 + 2h));
    EXPECT_EQ(read_priorities(), (std::vector<std::pair<std::string, std::int64_t>>{{"alpha", 0}, {"beta", 0}}));
    auto again = reader->merged_items(10, OutputSpec::Dedup::story);
    ASSERT_TRUE(again) << again.error().message;
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ((*again)[0].title, "Alpha's");
}

TEST_F(FeedStoreFileTest, FullDiskFailsEveryWriteAndLosesNothing) {
    test_support::FullDiskVfs disk;
    const ParsedFeed first = document({item("1", "One", kT0), item("2", "Two", kT0 + 1min)});
    const ParsedFeed second = document({item("1", "One", kT0), item("2", "Two", kT0 + 1min), item("3", "Three", kT0)});
    {
        auto s = FeedStore::open(file);
        ASSERT_TRUE(s) << s.error().message;
        ASSERT_TRUE(s->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
        auto state = s->feed_state("alpha");
        ASSERT_TRUE(state);
        state->etag = "\"before\"";
        ASSERT_TRUE(s->ingest(*state, first, keys_for(first), kNoMatch, kT0, kWindow));
        const FeedState before = s->feed_state("alpha").value();

        disk.set_full(true);
        FeedState failing = before;
        failing.last_outcome = "network_error";
        failing.last_error = "fetch: connection refused";
        failing.consecutive_failures = 1;
        failing.next_due = kT0 + 10min;
        auto saved = s->save_feed_state(failing);
        ASSERT_FALSE(saved) << "a feed state was lost on a full disk without an error";
        EXPECT_EQ(saved.error(),
                  (Error{ErrorKind::Db, "store: save state of feed alpha: commit: database or disk is full"}));
        auto ingested = s->ingest(failing, second, keys_for(second), kNoMatch, kT0 + 1h, kWindow);
        ASSERT_FALSE(ingested) << "an ingest was lost on a full disk without an error";
        EXPECT_EQ(ingested.error(), (Error{ErrorKind::Db, "store: ingest alpha: commit: database or disk is full"}));
        auto synced = s->sync_feeds(specs({{"alpha", "https://a.example/feed"}, {"beta", "https://b/"}}), kT0);
        ASSERT_FALSE(synced);
        EXPECT_EQ(synced.error(), (Error{ErrorKind::Db, "store: sync feeds: commit: database or disk is full"}));
        EXPECT_GT(disk.refused_writes(), 0);

        disk.set_full(false);
        EXPECT_EQ(s->feed_state("alpha"), Result<FeedState>{before});  // nothing half-written
        auto states = s->feed_states();
        ASSERT_TRUE(states) << states.error().message;
        EXPECT_EQ(states->size(), 1u);
        ASSERT_TRUE(s->save_feed_state(failing));
        auto again = s->ingest(failing, second, keys_for(second), kNoMatch, kT0 + 1h, kWindow);
        ASSERT_TRUE(again) << again.error().message;
        EXPECT_EQ(again->new_items, 1);
    }
    auto reopened = FeedStore::open(file);
    ASSERT_TRUE(reopened) << reopened.error().message;
    auto state = reopened->feed_state("alpha");
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(state->last_error, "fetch: connection refused");
    EXPECT_EQ(state->consecutive_failures, 1);
    EXPECT_EQ(state->etag, "\"before\"");
    EXPECT_EQ(state->item_count, 3);
}

TEST_F(FeedStoreFileTest, NewerDatabaseIsRefused) {
    ASSERT_TRUE(FeedStore::open(file));
    {
        auto db = Db::open(file.string(), Db::Mode::read_write_create);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->set_user_version(schema_version_of_this_build() + 1));
    }
    const std::string expected = "store: " + file.string() + ": database schema version " +
                                 std::to_string(schema_version_of_this_build() + 1) +
                                 " is newer than this build of tributary knows (" +
                                 std::to_string(schema_version_of_this_build()) + "); use a newer tributary";
    auto rw = FeedStore::open(file);
    ASSERT_FALSE(rw);
    EXPECT_EQ(rw.error(), (Error{ErrorKind::Db, expected}));
    auto ro = FeedStore::open_read_only(file);
    ASSERT_FALSE(ro);
    EXPECT_EQ(ro.error(), (Error{ErrorKind::Db, expected}));
}

TEST_F(FeedStoreFileTest, ReadOnlyRefusesAnUnmigratedDatabase) {
    { ASSERT_TRUE(Db::open(file.string(), Db::Mode::read_write_create)); }
    auto ro = FeedStore::open_read_only(file);
    ASSERT_FALSE(ro);
    EXPECT_EQ(ro.error(),
              (Error{ErrorKind::Db,
                     "store: " + file.string() + ": database schema version 0 is older than this build expects (" +
                         std::to_string(schema_version_of_this_build()) + "); start the daemon once to migrate it"}));
}

TEST_F(FeedStoreFileTest, ReadOnlyNeedsAnExistingFile) {
    auto ro = FeedStore::open_read_only(file);
    ASSERT_FALSE(ro);
    EXPECT_EQ(ro.error(), (Error{ErrorKind::Db, "store: open " + file.string() + ": unable to open database file"}));
    EXPECT_FALSE(std::filesystem::exists(file));
}

// ------------------------------------------------------- instance lock ---

TEST_F(FeedStoreFileTest, SecondWriterIsRefusedWhileTheFirstLives) {
    {
        auto first = FeedStore::open(file);
        ASSERT_TRUE(first) << first.error().message;
        auto second = FeedStore::open(file);
        ASSERT_FALSE(second);
        EXPECT_EQ(second.error(),
                  (Error{ErrorKind::Db, "store: " + file.string() + " is in use by another tributary (pid " +
                                            std::to_string(::getpid()) + ")"}));
        // The refused open changed nothing for the first.
        EXPECT_TRUE(first->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
    }
    auto third = FeedStore::open(file);  // the first one's lock went with it
    ASSERT_TRUE(third) << third.error().message;
    auto state = third->feed_state("alpha");
    EXPECT_TRUE(state) << state.error().message;
}

TEST_F(FeedStoreFileTest, LockFileIsPrivateAndNamesItsHolder) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    const auto lock = dir / "tributary.db.lock";
    struct stat st {};
    ASSERT_EQ(::stat(lock.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::ifstream in(lock);
    std::string pid;
    std::getline(in, pid);
    EXPECT_EQ(pid, std::to_string(::getpid()));
}

TEST_F(FeedStoreFileTest, ReadersTakeNoLock) {
    { ASSERT_TRUE(FeedStore::open(file)); }
    auto reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(reader) << reader.error().message;
    auto writer = FeedStore::open(file);
    ASSERT_TRUE(writer) << writer.error().message;
    auto another_reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(another_reader) << another_reader.error().message;
}

// A daemon that dies without cleaning up (SIGKILL, a crash) leaves its lock file with its pid
// in it; the kernel released the lock, so the next daemon starts.
TEST_F(FeedStoreFileTest, LockOfADeadProcessDoesNotBlock) {
    int ready[2];
    int go[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(go), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto s = FeedStore::open(file);
        const char status = s ? 'y' : 'n';
        (void)!::write(ready[1], &status, 1);
        char byte = 0;
        (void)!::read(go[0], &byte, 1);
        ::_exit(0);  // no destructors: the store is never closed, as in a crash
    }
    char status = 0;
    ASSERT_EQ(::read(ready[0], &status, 1), 1);
    ASSERT_EQ(status, 'y');

    auto refused = FeedStore::open(file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message,
              "store: " + file.string() + " is in use by another tributary (pid " + std::to_string(child) + ")");

    ASSERT_EQ(::write(go[1], "x", 1), 1);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
    for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);

    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    std::ifstream in(dir / "tributary.db.lock");
    std::string pid;
    std::getline(in, pid);
    EXPECT_EQ(pid, std::to_string(::getpid()));
}

// ---------------------------------------------------------- check_file ---

TEST_F(FeedStoreFileTest, CheckFileAcceptsTheOpenedFile) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(s->check_file());
    ASSERT_TRUE(s->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
    EXPECT_TRUE(s->check_file());  // writes do not replace the file
    auto reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_TRUE(reader->check_file());
    auto memory = FeedStore::open_in_memory();
    ASSERT_TRUE(memory);
    EXPECT_TRUE(memory->check_file());
}

TEST_F(FeedStoreFileTest, CheckFileReportsADeletedDatabase) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE(std::filesystem::remove(file));
    auto r = s->check_file();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(),
              (Error{ErrorKind::DbLost, "store: the database " + file.string() + " was deleted while the daemon ran"}));
}

TEST_F(FeedStoreFileTest, CheckFileReportsAReplacedDatabase) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    // What a restore from backup does: a copy renamed over the path.
    const auto copy = dir / "copy.db";
    std::filesystem::copy_file(file, copy);
    std::filesystem::rename(copy, file);
    auto r = s->check_file();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(),
              (Error{ErrorKind::DbLost, "store: the database " + file.string() + " was replaced by another file"}));
}

// ---------------------------------------------------------- checkpoint ---

// A reader in a long transaction keeps the WAL from being reset; the checkpoint says so
// instead of waiting, and completes, truncating the WAL, once the reader is done.
TEST_F(FeedStoreFileTest, CheckpointReportsAReaderThatBlocksItAndCompletesAfter) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE(s->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
    const ParsedFeed first = document({item("1", "One", kT0)});
    ASSERT_TRUE(s->ingest(s->feed_state("alpha").value(), first, keys_for(first), kNoMatch, kT0, kWindow));

    auto reader = Db::open(file.string(), Db::Mode::read_only);
    ASSERT_TRUE(reader) << reader.error().message;
    ASSERT_TRUE(reader->exec("BEGIN", "test"));
    {
        auto count = Statement::prepare(*reader, "SELECT count(*) FROM items", "test");
        ASSERT_TRUE(count);
        ASSERT_EQ(count->step(), Result<bool>{true});  // the read transaction starts here
    }

    std::vector<ParsedItem> items;
    for (int i = 0; i < 50; ++i)
        items.push_back(item("m" + std::to_string(i), std::string(2000, 'x') + std::to_string(i)));
    const ParsedFeed more = document(std::move(items));
    ASSERT_TRUE(s->ingest(s->feed_state("alpha").value(), more, keys_for(more), kNoMatch, kT0, kWindow));

    auto blocked = s->checkpoint();
    ASSERT_TRUE(blocked) << blocked.error().message;
    EXPECT_TRUE(blocked->busy);
    EXPECT_GT(blocked->log_frames, 0);
    EXPECT_LT(blocked->checkpointed_frames, blocked->log_frames);
    EXPECT_GT(blocked->wal_bytes, 0u);

    ASSERT_TRUE(reader->exec("COMMIT", "test"));
    auto done = s->checkpoint();
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_FALSE(done->busy);
    EXPECT_GE(done->log_frames, blocked->log_frames);
    EXPECT_EQ(done->checkpointed_frames, done->log_frames);
    EXPECT_EQ(done->wal_bytes, 0u);
    EXPECT_EQ(std::filesystem::file_size(dir / "tributary.db-wal"), 0u);

    // Nothing was lost on the way: the writer and a fresh reader see every item.
    EXPECT_EQ(s->feed_state("alpha").value().item_count, 51);
    auto later = FeedStore::open_read_only(file);
    ASSERT_TRUE(later) << later.error().message;
    EXPECT_EQ(later->feed_state("alpha").value().item_count, 51);
}

// Items of `bytes` bytes of text each, keys prefixed by `prefix`: pages for the WAL.
ParsedFeed bulky_document(const std::string& prefix, int items, std::size_t bytes) {
    std::vector<ParsedItem> list;
    for (int i = 0; i < items; ++i)
        list.push_back(item(prefix + std::to_string(i), std::string(bytes, 'x') + prefix + std::to_string(i)));
    return document(std::move(list));
}

std::uintmax_t size_or_zero(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

// The writer stops copying its WAL back (its thread never waits for a checkpoint's fdatasync): a
// commit that leaves kCheckpointRequestFrames asks for a checkpoint, and the other connection's
// checkpoint copies the pages into the database file.
TEST_F(FeedStoreFileTest, HandedOverCheckpointsAreAskedForAndRunOnTheirOwnConnection) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE(s->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
    ASSERT_TRUE(s->checkpoint());  // the schema in the file, the WAL empty
    const auto file_before = std::filesystem::file_size(file);
    int requests = 0;
    auto checkpointer = s->hand_checkpoints_over([&] { ++requests; });
    ASSERT_TRUE(checkpointer) << checkpointer.error().message;
    ASSERT_TRUE(checkpointer->has_value());

    int documents = 0;
    while (requests == 0 && documents < 100) {
        const ParsedFeed more = bulky_document("d" + std::to_string(documents++) + "-", 50, 2000);
        ASSERT_TRUE(s->ingest(s->feed_state("alpha").value(), more, keys_for(more), kNoMatch, kT0, kWindow));
    }
    ASSERT_EQ(requests, 1) << documents << " documents";
    const auto wal = dir / "tributary.db-wal";
    EXPECT_GE(size_or_zero(wal), std::uintmax_t{kCheckpointRequestFrames} * 4096);
    EXPECT_EQ(std::filesystem::file_size(file), file_before);  // the writer copied nothing back

    ASSERT_TRUE((*checkpointer)->run());
    // Every item's text is in the file now.
    EXPECT_GE(std::filesystem::file_size(file), file_before + std::uintmax_t(documents) * 50 * 2000);
    auto reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->feed_state("alpha").value().item_count, documents * 50);
}

// When the checkpoints asked for do not come (or never keep up), the writer checkpoints itself
// at kWriterCheckpointFrames, and its WAL starts over instead of growing with every commit.
TEST_F(FeedStoreFileTest, AWriterWhoseCheckpointsNeverComeStillBoundsItsWal) {
    auto s = FeedStore::open(file);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE(s->sync_feeds(specs({{"alpha", "https://a.example/feed"}}), kT0));
    int requests = 0;
    auto checkpointer = s->hand_checkpoints_over([&] { ++requests; });
    ASSERT_TRUE(checkpointer && checkpointer->has_value());

    const auto wal = dir / "tributary.db-wal";
    constexpr std::uintmax_t kFrameBytes = 4096 + 24;
    std::uintmax_t largest_wal = 0;
    const int documents = 3 * kWriterCheckpointFrames / 100;  // about 100 pages each
    for (int d = 0; d < documents; ++d) {
        const ParsedFeed more = bulky_document("d" + std::to_string(d) + "-", 50, 8000);
        ASSERT_TRUE(s->ingest(s->feed_state("alpha").value(), more, keys_for(more), kNoMatch, kT0, kWindow));
        largest_wal = std::max(largest_wal, size_or_zero(wal));
    }
    EXPECT_GT(requests, 0);
    // Three times the limit written, never much more than it (and one document) held.
    EXPECT_LT(largest_wal, (std::uintmax_t{kWriterCheckpointFrames} + 200) * kFrameBytes);
    EXPECT_GE(std::filesystem::file_size(file), std::uintmax_t{kWriterCheckpointFrames} * 4096);  // copied back
    auto reader = FeedStore::open_read_only(file);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->feed_state("alpha").value().item_count, documents * 50);
}

// A store that is not a SQLite file keeps its checkpoints (and has none to hand over).
TEST_F(FeedStoreFileTest, AnInMemoryStoreHasNoCheckpointsToHandOver) {
    auto s = FeedStore::open_in_memory();
    ASSERT_TRUE(s);
    auto checkpointer = s->hand_checkpoints_over([] {});
    ASSERT_TRUE(checkpointer) << checkpointer.error().message;
    EXPECT_FALSE(checkpointer->has_value());
}

TEST_F(FeedStoreFileTest, CheckpointOfAnInMemoryStoreDoesNothing) {
    auto s = FeedStore::open_in_memory();
    ASSERT_TRUE(s);
    auto r = s->checkpoint();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->busy);
    EXPECT_EQ(r->log_frames, 0);
    EXPECT_EQ(r->checkpointed_frames, 0);
    EXPECT_EQ(r->wal_bytes, 0u);
}

TEST_F(FeedStoreFileTest, ParentDirectoryMustExist) {
    const auto missing = dir / "missing" / "tributary.db";
    auto s = FeedStore::open(missing);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error(), (Error{ErrorKind::Db, "store: open " + missing.string() + ": unable to open database file"}));
    EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

}  // namespace
}  // namespace tributary::store

namespace tributary::store {
namespace {

// The store keeps an item's HTML as its feed sent it, through changes: the daemon sanitizes what
// an output shows (app::EntryHtml), so a stricter sanitizer also applies to what is stored.
TEST(FeedStoreHtml, KeepsAnItemsHtmlAsGivenThroughChanges) {
    auto opened = FeedStore::open_in_memory();
    ASSERT_TRUE(opened) << opened.error().message;
    FeedStore& store = *opened;
    const SysTime t0{Seconds{1'767'000'000}};
    FeedSpec spec;
    spec.name = "alpha";
    spec.url = "https://a.example/feed";
    ASSERT_TRUE(store.sync_feeds(std::span<const FeedSpec>(&spec, 1), t0));
    FeedState state;
    state.name = "alpha";

    ParsedFeed feed;
    ParsedItem item;
    item.id = "1";
    item.title = "title 1";
    item.summary = "<p onclick=\"x()\">raw</p><script>alert(1)</script>";
    item.content = "<div><img src=\"/a.png\" onerror=\"x()\"></div>";
    item.published = t0;
    feed.items.push_back(item);
    const auto keys_of = [](const ParsedFeed& f) {
        std::vector<ItemKeys> keys;
        for (const ParsedItem& i : f.items) {
            ItemKeys k;
            k.item_key = "g:" + i.id;
            k.content_hash = i.summary;  // stands in for dedup's hash: changes with the summary
            keys.push_back(k);
        }
        return keys;
    };
    const StoryMatcher no_match = [](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate>) {
        return std::optional<std::int64_t>{};
    };

    ASSERT_TRUE(store.ingest(state, feed, keys_of(feed), no_match, t0, 72h));
    auto merged = store.merged_items(10);
    ASSERT_TRUE(merged);
    ASSERT_EQ(merged->size(), 1u);
    EXPECT_EQ(merged->front().description, item.summary);
    EXPECT_EQ(merged->front().content, item.content);

    feed.items[0].summary = "<p style=\"x\">changed</p>";
    ASSERT_TRUE(store.ingest(state, feed, keys_of(feed), no_match, t0 + 1h, 72h));
    merged = store.merged_items(10);
    ASSERT_TRUE(merged);
    ASSERT_EQ(merged->size(), 1u);
    EXPECT_EQ(merged->front().description, "<p style=\"x\">changed</p>");
}

}  // namespace
}  // namespace tributary::store

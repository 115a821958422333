// The store and the daemon's long-lived story index (core/story_index.hpp): what an ingest adds
// and takes back, what a restart reads instead of recomputing, and what it recomputes.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "store/feed_store.hpp"

namespace tributary::store {
namespace {

using namespace std::chrono_literals;

const SysTime kT0{std::chrono::seconds{1'700'000'000}};
constexpr Seconds kWindow = 72h;

// A StoryIndex that matches items whose features are equal, and records what the store asks.
class RecordingIndex final : public StoryIndex {
public:
    struct Added {
        std::int64_t id;
        std::string features;
        SysTime time;
        SysTime arrived;
        friend bool operator==(const Added&, const Added&) = default;
    };

    bool add(std::int64_t story_id, const ItemKeys& keys, SysTime time, SysTime arrived) override {
        if (keys.features.starts_with("v0:")) return false;  // an older extractor's bytes
        added.push_back({story_id, keys.features, time, arrived});
        held[story_id] = keys.features;
        return true;
    }
    void remove(std::int64_t story_id) override {
        removed.push_back(story_id);
        held.erase(story_id);
    }
    std::size_t expire(SysTime) override { return 0; }
    std::size_t size() const override { return held.size(); }
    std::optional<StoryMatch> match(const ItemKeys& keys, const ParsedItem&, SysTime, Seconds) const override {
        if (answer) return StoryMatch{.story_id = *answer, .reason = "forced", .by_url = answer_by_url};
        for (const auto& [id, features] : held)
            if (features == keys.features)
                return StoryMatch{.story_id = id, .reason = "same features", .by_score = true};
        return std::nullopt;
    }
    std::string features_of(const ParsedItem& item) const override { return "v1:" + item.title; }

    std::vector<Added> added;
    std::vector<std::int64_t> removed;
    std::map<std::int64_t, std::string> held;
    std::optional<std::int64_t> answer;  // when set, every match answers this story
    bool answer_by_url = false;          // … as if by the URL's hash (StoryMatch::by_url)
};

ParsedFeed document(std::vector<std::pair<std::string, std::string>> items) {  // (id, title)
    ParsedFeed feed;
    feed.format = FeedFormat::rss;
    feed.title = "Feed";
    for (auto& [id, title] : items) {
        ParsedItem item;
        item.id = id;
        item.title = title;
        item.link = "https://site.example/" + id;
        item.summary = "lead of " + title;
        feed.items.push_back(std::move(item));
    }
    return feed;
}

// Keys as dedup would give them, with the title as the features.
std::vector<ItemKeys> keys_for(const ParsedFeed& feed) {
    std::vector<ItemKeys> out;
    for (const ParsedItem& item : feed.items)
        out.push_back(ItemKeys{.item_key = "g:" + item.id,
                               .canonical_url = item.link,
                               .fingerprint = 0,
                               .content_hash = item.title + '|' + item.summary,
                               .features = "v1:" + item.title});
    return out;
}

class StoreStoryIndexTest : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir = std::filesystem::temp_directory_path() /
              ("tributary-story-index-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        file = dir / "tributary.db";
        reopen();
    }
    void TearDown() override {
        store.reset();
        std::filesystem::remove_all(dir);
    }

    void reopen() {
        store.reset();
        auto s = FeedStore::open(file);
        ASSERT_TRUE(s) << s.error().message;
        store.emplace(std::move(*s));
        FeedSpec alpha, beta;
        alpha.name = "alpha";
        alpha.url = "https://a.example/feed";
        beta.name = "beta";
        beta.url = "https://b.example/feed";
        const std::vector<FeedSpec> feeds{alpha, beta};
        ASSERT_TRUE(store->sync_feeds(feeds, kT0));
    }

    Result<IngestResult> ingest(const std::string& feed_name, const ParsedFeed& feed, SysTime now) {
        auto state = store->feed_state(feed_name);
        if (!state) return std::unexpected(state.error());
        return store->ingest(*state, feed, keys_for(feed), index, now, kWindow);
    }

    // Raw SQL beside the store, as an operator's sqlite3 shell would.
    void execute(const std::string& sql) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        char* message = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
        const std::string error = message ? message : "";
        sqlite3_free(message);
        sqlite3_close(db);
        ASSERT_EQ(rc, SQLITE_OK) << error;
    }
    std::vector<std::string> column(const std::string& sql) {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        std::vector<std::string> out;
        while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(stmt, 0);
            out.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return out;
    }

    std::filesystem::path dir;
    std::filesystem::path file;
    std::optional<FeedStore> store;
    RecordingIndex index;
};

TEST_F(StoreStoryIndexTest, ANewStoryIsAddedToTheIndexAndItsFeaturesKept) {
    auto r = ingest("alpha", document({{"1", "Quake in Al Haouz"}}), kT0);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->new_items, 1);
    ASSERT_EQ(index.added.size(), 1u);
    // An undated item sits at its arrival.
    EXPECT_EQ(index.added[0].features, "v1:Quake in Al Haouz");
    EXPECT_EQ(index.added[0].time, kT0);
    EXPECT_EQ(index.added[0].arrived, kT0);
    EXPECT_EQ(column("SELECT features FROM stories"), std::vector<std::string>{"v1:Quake in Al Haouz"});
    EXPECT_EQ(column("SELECT story_reason FROM items"), std::vector<std::string>{"new story"});
}

TEST_F(StoreStoryIndexTest, AnotherSitesItemJoinsTheStoryTheIndexNamesAndSaysWhy) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Quake"}}), kT0));
    auto r = ingest("beta", document({{"b1", "Quake"}}), kT0 + 40min);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->duplicate_items, 1);
    ASSERT_EQ(r->joins.size(), 1u);
    EXPECT_EQ(r->joins[0].link, "https://site.example/b1");
    EXPECT_EQ(r->joins[0].reason, "same features");
    EXPECT_EQ(column("SELECT story_reason FROM items ORDER BY id"),
              (std::vector<std::string>{"new story", "same features"}));
    EXPECT_EQ(index.added.size(), 1u);  // a duplicate starts nothing
}

TEST_F(StoreStoryIndexTest, AFutureDateCountsAsArrival) {
    ParsedFeed feed = document({{"1", "Tomorrow's news"}});
    feed.items[0].published = kT0 + 24h * 30;
    ASSERT_TRUE(ingest("alpha", feed, kT0));
    ASSERT_EQ(index.added.size(), 1u);
    EXPECT_EQ(index.added[0].time, kT0);
}

// A failed ingest rolls its rows back; the stories it had added leave the index too, or the
// index would answer with ids that do not exist (or, reused by SQLite, name other stories).
TEST_F(StoreStoryIndexTest, AFailedIngestTakesItsStoriesBackOutOfTheIndex) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Kept"}}), kT0));
    const std::int64_t kept = index.added.at(0).id;
    // The first item starts a story; the second joins a story that does not exist: the insert
    // fails on the foreign key and the whole ingest rolls back.
    auto state = store->feed_state("beta");
    ASSERT_TRUE(state);
    const ParsedFeed feed = document({{"b1", "Fresh"}, {"b2", "Doomed"}});
    std::vector<ItemKeys> keys = keys_for(feed);
    struct Failing final : StoryIndex {
        RecordingIndex& inner;
        explicit Failing(RecordingIndex& i) : inner(i) {}
        bool add(std::int64_t id, const ItemKeys& k, SysTime t, SysTime a) override { return inner.add(id, k, t, a); }
        void remove(std::int64_t id) override { inner.remove(id); }
        std::size_t expire(SysTime) override { return 0; }
        std::size_t size() const override { return inner.size(); }
        std::optional<StoryMatch> match(const ItemKeys& k, const ParsedItem&, SysTime, Seconds) const override {
            if (k.features == "v1:Doomed") return StoryMatch{.story_id = 999'999, .reason = "wrong"};
            return std::nullopt;
        }
        std::string features_of(const ParsedItem&) const override { return {}; }
    } failing(index);
    auto r = store->ingest(*state, feed, keys, failing, kT0 + 1h, kWindow);
    ASSERT_FALSE(r);
    ASSERT_EQ(index.added.size(), 2u);
    EXPECT_EQ(index.removed, std::vector<std::int64_t>{index.added[1].id});
    EXPECT_EQ(index.held.size(), 1u);
    EXPECT_TRUE(index.held.contains(kept));
    EXPECT_EQ(column("SELECT count(*) FROM stories"), std::vector<std::string>{"1"});
}

TEST_F(StoreStoryIndexTest, ARestartReadsTheWindowsStoriesFromTheStore) {
    ASSERT_TRUE(ingest("alpha", document({{"old", "Old news"}}), kT0));
    ASSERT_TRUE(ingest("alpha", document({{"old", "Old news"}, {"new", "New news"}}), kT0 + 80h));
    reopen();
    RecordingIndex fresh;
    auto loaded = store->load_story_index(fresh, kT0 + 80h - kWindow);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->stories, 1u);
    EXPECT_EQ(loaded->recomputed, 0u);
    ASSERT_EQ(fresh.added.size(), 1u);
    EXPECT_EQ(fresh.added[0].features, "v1:New news");
    EXPECT_EQ(fresh.added[0].arrived, kT0 + 80h);
}

// Stories written before features were kept (NULL), or by an older extractor: recomputed from
// their item once, written back, and read as they are at the next start.
TEST_F(StoreStoryIndexTest, MissingOrOutdatedFeaturesAreRecomputedOnceAndWrittenBack) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "First"}, {"2", "Second"}, {"3", "Third"}}), kT0));
    store.reset();
    execute("UPDATE stories SET features = NULL WHERE id = 1");
    execute("UPDATE stories SET features = CAST('v0:stale' AS BLOB) WHERE id = 2");
    reopen();
    RecordingIndex first;
    auto loaded = store->load_story_index(first, kT0 - 1h);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->stories, 3u);
    EXPECT_EQ(loaded->recomputed, 2u);
    EXPECT_EQ(column("SELECT features FROM stories ORDER BY id"),
              (std::vector<std::string>{"v1:First", "v1:Second", "v1:Third"}));
    RecordingIndex second;
    loaded = store->load_story_index(second, kT0 - 1h);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->recomputed, 0u);
    EXPECT_EQ(second.held, first.held);
}

// An item whose text changes: if it is its story's representative, the index compares the new
// text from now on.
TEST_F(StoreStoryIndexTest, ARepresentativesNewTextReachesTheIndex) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Draft headline"}}), kT0));
    ASSERT_TRUE(ingest("beta", document({{"b1", "Draft headline"}}), kT0 + 1min));  // joins
    ASSERT_EQ(index.added.size(), 1u);
    ASSERT_TRUE(ingest("alpha", document({{"1", "Final headline"}}), kT0 + 10min));
    ASSERT_EQ(index.added.size(), 2u);
    EXPECT_EQ(index.added[1].id, index.added[0].id);
    EXPECT_EQ(index.added[1].features, "v1:Final headline");
    EXPECT_EQ(index.added[1].arrived, kT0);
    // Beta's copy is not its story's representative: its change is not the story's.
    ASSERT_TRUE(ingest("beta", document({{"b1", "Other words"}}), kT0 + 20min));
    EXPECT_EQ(index.added.size(), 2u);
}

// Two items of one site that merely read alike are two events of one kind (two bulletins, two
// matchdays): a scored match never joins an item to a story its own feed reports. A fast path
// (here the same URL) still does.
// The engine keeps a hash of each story's URL, not the URL. Had the store no item at the item's
// URL, an index's URL answer is a collision (a hostile feed can craft one for a known hash) and
// the item starts its own story; any other answer of the index joins.
TEST_F(StoreStoryIndexTest, AnIndexsAnswerByUrlHashAloneIsNeverJoined) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Quake"}}), kT0));
    const std::int64_t story = std::stoll(column("SELECT id FROM stories").at(0));
    index.answer = story;
    index.answer_by_url = true;
    auto r = ingest("beta", document({{"b1", "Unrelated"}}), kT0 + 40min);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->new_items, 1);
    EXPECT_EQ(r->duplicate_items, 0);
    EXPECT_EQ(column("SELECT count(*) FROM stories"), std::vector<std::string>{"2"});

    index.answer_by_url = false;
    auto joined = ingest("beta", document({{"b2", "Quake"}}), kT0 + 50min);
    ASSERT_TRUE(joined) << joined.error().message;
    EXPECT_EQ(joined->duplicate_items, 1);
}

TEST_F(StoreStoryIndexTest, AScoredMatchNeverJoinsAStoryOfTheItemsOwnFeed) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Weather bulletin"}}), kT0));
    auto r = ingest("alpha", document({{"1", "Weather bulletin"}, {"2", "Weather bulletin"}}), kT0 + 24h);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->new_items, 1);
    EXPECT_EQ(r->duplicate_items, 0);
    auto other = ingest("beta", document({{"b", "Weather bulletin"}}), kT0 + 25h);
    ASSERT_TRUE(other) << other.error().message;
    EXPECT_EQ(other->duplicate_items, 1);  // another site's copy joins
}

// Another site's copy whose text changes to another story's moves there, and the result says so
// (the daemon logs it); a change that matches no other story leaves it where it is.
TEST_F(StoreStoryIndexTest, AChangedCopyMovesToTheStoryItNowReportsAndSaysSo) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Quake"}, {"2", "Flood"}}), kT0));
    ASSERT_EQ(index.added.size(), 2u);
    const std::int64_t quake = index.added[0].id, flood = index.added[1].id;
    ASSERT_TRUE(ingest("beta", document({{"b1", "Quake"}}), kT0 + 1min));
    EXPECT_EQ(column("SELECT story_id FROM items WHERE guid = 'b1'"), std::vector<std::string>{std::to_string(quake)});

    auto unmoved = ingest("beta", document({{"b1", "Nothing like either"}}), kT0 + 5min);
    ASSERT_TRUE(unmoved) << unmoved.error().message;
    EXPECT_EQ(unmoved->updated_items, 1);
    EXPECT_TRUE(unmoved->moves.empty());

    auto moved = ingest("beta", document({{"b1", "Flood"}}), kT0 + 10min);
    ASSERT_TRUE(moved) << moved.error().message;
    ASSERT_EQ(moved->moves.size(), 1u);
    EXPECT_EQ(moved->moves[0].link, "https://site.example/b1");
    EXPECT_EQ(moved->moves[0].from_story, quake);
    EXPECT_EQ(moved->moves[0].to_story, flood);
    EXPECT_EQ(moved->moves[0].reason, "same features");
    EXPECT_EQ(column("SELECT story_id || ' ' || story_reason FROM items WHERE guid = 'b1'"),
              std::vector<std::string>{std::to_string(flood) + " same features"});
    EXPECT_EQ(index.added.size(), 2u);  // a copy's text is not its story's
}

// The daemon computes story features (on a worker) only for what the store says is new or
// changed, then ingests: an item with features is stored with them; one without (it became new
// meanwhile) gets them from the index. Items are stored as given.
TEST_F(StoreStoryIndexTest, OnlyNewOrChangedItemsNeedFeaturesAndALateOneGetsThemAtIngest) {
    ASSERT_TRUE(ingest("alpha", document({{"1", "Kept"}, {"2", "Edited"}}), kT0));
    const ParsedFeed next = document({{"1", "Kept"}, {"2", "Edited again"}, {"3", "Fresh"}, {"4", "Late"}});
    std::vector<ItemKeys> keys = keys_for(next);
    auto wanted = store->new_or_changed("alpha", keys);
    ASSERT_TRUE(wanted) << wanted.error().message;
    EXPECT_EQ(*wanted, (std::vector<bool>{false, true, true, true}));
    EXPECT_FALSE(store->new_or_changed("nope", keys));

    // Items 2 and 3 got their features on a worker; item 4 did not.
    keys[3].features.clear();
    auto state = store->feed_state("alpha");
    ASSERT_TRUE(state);
    auto r = store->ingest(*state, next, keys, index, kT0 + 1h, kWindow);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(column("SELECT summary FROM items ORDER BY guid"),
              (std::vector<std::string>{"lead of Kept", "lead of Edited again", "lead of Fresh", "lead of Late"}));
    // The late item's story carries the features the index computed for it.
    EXPECT_EQ(column("SELECT s.features FROM stories s JOIN items i ON i.id = s.first_item_id WHERE i.guid = '4'"),
              std::vector<std::string>{"v1:Late"});
}

}  // namespace
}  // namespace tributary::store

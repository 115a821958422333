// What only the PostgreSQL backend has: its connection, its instance lock, migrations raced by
// daemons starting together, a server that refuses a transaction after one of its statements
// failed. The behaviour both backends share is feed_store_test.cpp's, run on each.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/feed_store.hpp"
#include "store/migrations.hpp"
#include "store/postgresql.hpp"
#include "store/sqlite.hpp"
#include "support/postgresql_server.hpp"

namespace tributary::store {
namespace {

using namespace std::chrono_literals;

const SysTime kT0{std::chrono::seconds{1'700'000'000}};

class PostgresqlStore : public ::testing::Test {
protected:
    void SetUp() override {
        auto found = testing::postgresql_server();
        ASSERT_TRUE(found) << "the postgresql fixture did not run";
        server = *found;
        target = PostgresqlDatabase{.conninfo = testing::fresh_postgresql_schema(server),
                                    .password = server.password,
                                    .shown_as = "postgresql://tributary@127.0.0.1/tributary_test",
                                    .shared = false,
                                    .daemon = {}};
    }

    Db connect() {
        auto db = Db::open_postgresql(target.conninfo, target.password, target.shown_as);
        EXPECT_TRUE(db) << db.error().message;
        return std::move(*db);
    }

    testing::PostgresqlServer server;
    PostgresqlDatabase target;
};

TEST(PostgresqlSql, ParametersAndCrossJoinsAreTranslatedOutsideQuotedText) {
    const PgSql out = to_postgresql(
        "SELECT a.x, '?9 CROSS JOIN ' FROM a CROSS JOIN b ON b.id = a.id WHERE a.y = ?2 AND \"?c\" = ?12 OR ?2");
    EXPECT_EQ(out.text,
              "SELECT a.x, '?9 CROSS JOIN ' FROM a JOIN b ON b.id = a.id WHERE a.y = $2 AND \"?c\" = $12 OR $2");
    EXPECT_EQ(out.parameters, 12);
}

TEST_F(PostgresqlStore, SecondWriterIsRefusedWhileTheFirstLives) {
    auto first = FeedStore::open_postgresql(target);
    ASSERT_TRUE(first) << first.error().message;
    auto second = FeedStore::open_postgresql(target);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message,
              "store: " + target.shown_as + ": in use by another tributary (one daemon per database for now)");
    first = std::unexpected(Error{});  // closes the connection, which ends its lock
    auto third = FeedStore::open_postgresql(target);
    EXPECT_TRUE(third) << third.error().message;
}

// A store closed gives its lock back before its connection ends, not when the server notices
// the closed session a moment later: a daemon restarted at once (or a store opened again at once)
// is never refused by its own past.
TEST_F(PostgresqlStore, AClosedStoreGivesItsLockBackAtOnce) {
    Db watcher = connect();
    auto held = Statement::prepare(watcher,
                                   "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                                   "((classid::bigint << 32) | objid::bigint) = hashtextextended('tributary ' || "
                                   "current_database() || ' ' || current_schema(), 0)",
                                   "count the instance lock");
    ASSERT_TRUE(held) << held.error().message;
    const auto holders = [&]() -> std::int64_t {
        auto use = held->use();
        auto row = held->step();
        if (!row || !*row) return -1;
        return held->column_int64(0);
    };
    for (int round = 0; round < 30; ++round) {
        {
            auto store = FeedStore::open_postgresql(target);
            ASSERT_TRUE(store) << "round " << round << ": " << store.error().message;
            ASSERT_EQ(holders(), 1) << "round " << round;
        }
        ASSERT_EQ(holders(), 0) << "round " << round << ": the closed store still holds its lock";
    }
}

TEST_F(PostgresqlStore, DaemonsStartingTogetherMigrateOnce) {
    constexpr int kDaemons = 4;
    std::vector<std::vector<std::string_view>> applied(kDaemons);
    std::vector<int> versions(kDaemons, -1);
    std::vector<std::string> errors(kDaemons);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kDaemons; ++i) {
        threads.emplace_back([&, i] {
            auto db = Db::open_postgresql(target.conninfo, target.password, target.shown_as);
            ++ready;
            while (ready.load() < kDaemons) std::this_thread::yield();
            if (!db) {
                errors[i] = db.error().message;
                return;
            }
            auto version = detail::migrate(*db, detail::embedded_postgresql_migrations(), &applied[i]);
            if (version)
                versions[i] = *version;
            else
                errors[i] = version.error().message;
        });
    }
    for (std::thread& t : threads) t.join();
    const int latest = detail::latest_version(detail::embedded_postgresql_migrations());
    std::size_t applied_in_all = 0;
    for (int i = 0; i < kDaemons; ++i) {
        EXPECT_EQ(errors[i], "") << "daemon " << i;
        EXPECT_EQ(versions[i], latest) << "daemon " << i;
        applied_in_all += applied[i].size();
    }
    EXPECT_EQ(applied_in_all, detail::embedded_postgresql_migrations().size());
}

TEST_F(PostgresqlStore, AWrongPasswordFailsWithoutShowingIt) {
    target.password = "not-the-password-4f1c";
    auto store = FeedStore::open_postgresql(target);
    ASSERT_FALSE(store);
    EXPECT_TRUE(store.error().message.starts_with("store: connect to " + target.shown_as + ": "))
        << store.error().message;
    EXPECT_EQ(store.error().message.find(target.password), std::string::npos) << store.error().message;
    EXPECT_EQ(store.error().message.find(server.password), std::string::npos);
}

TEST_F(PostgresqlStore, ReadersNeedAMigratedSchemaAndCannotWrite) {
    auto early = FeedStore::open_postgresql_read_only(target);
    ASSERT_FALSE(early);
    EXPECT_NE(early.error().message.find("is older than this build expects"), std::string::npos)
        << early.error().message;

    auto writer = FeedStore::open_postgresql(target);
    ASSERT_TRUE(writer) << writer.error().message;
    FeedSpec feed;
    feed.name = "alpha";
    feed.url = "https://a.example/feed";
    ASSERT_TRUE(writer->sync_feeds(std::vector<FeedSpec>{feed}, kT0));

    // Readers take no lock: one opens while the writer lives.
    auto reader = FeedStore::open_postgresql_read_only(target);
    ASSERT_TRUE(reader) << reader.error().message;
    auto states = reader->feed_states();
    ASSERT_TRUE(states) << states.error().message;
    ASSERT_EQ(states->size(), 1u);
    EXPECT_EQ((*states)[0].name, "alpha");
    feed.name = "beta";
    auto write = reader->sync_feeds(std::vector<FeedSpec>{feed}, kT0);
    ASSERT_FALSE(write);
    EXPECT_NE(write.error().message.find("read-only transaction"), std::string::npos) << write.error().message;
}

TEST_F(PostgresqlStore, WhatWasStoredIsThereAfterReopening) {
    ParsedFeed doc;
    doc.format = FeedFormat::rss;
    doc.title = "Alpha";
    ParsedItem item;
    item.id = "1";
    item.title = "الأمن الوطني يوقف مشتبها به";  // Arabic text survives the round trip
    item.link = "https://a.example/1";
    item.published = kT0;
    doc.items.push_back(item);
    const std::vector<ItemKeys> keys{ItemKeys{.item_key = "g:1",
                                              .canonical_url = item.link,
                                              .fingerprint = 0xfedcba9876543210,  // all 64 bits
                                              .content_hash = "h1",
                                              .features = std::string("\0\x01\xff\x80 bytes", 10)}};
    const StoryMatcher no_match = [](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate>) {
        return std::optional<std::int64_t>{};
    };
    {
        auto store = FeedStore::open_postgresql(target);
        ASSERT_TRUE(store) << store.error().message;
        FeedSpec feed;
        feed.name = "alpha";
        feed.url = "https://a.example/feed";
        ASSERT_TRUE(store->sync_feeds(std::vector<FeedSpec>{feed}, kT0));
        auto state = store->feed_state("alpha");
        ASSERT_TRUE(state);
        state->etag = "\"v1\"";
        auto r = store->ingest(*state, doc, keys, no_match, kT0 + 1h, 48h);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->new_items, 1);
    }
    auto again = FeedStore::open_postgresql(target);
    ASSERT_TRUE(again) << again.error().message;
    auto state = again->feed_state("alpha");
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(state->etag, "\"v1\"");
    EXPECT_EQ(state->item_count, 1);
    auto merged = again->merged_items(10);
    ASSERT_TRUE(merged) << merged.error().message;
    ASSERT_EQ(merged->size(), 1u);
    EXPECT_EQ((*merged)[0].title, item.title);
    EXPECT_EQ((*merged)[0].published, kT0);

    // The features' bytes, zeros included, and the fingerprint's top bit come back as written.
    Db db = connect();
    auto s = Statement::prepare(db, "SELECT fingerprint, features FROM stories", "read");
    ASSERT_TRUE(s) << s.error().message;
    auto row = s->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(static_cast<std::uint64_t>(s->column_int64(0)), 0xfedcba9876543210u);
    EXPECT_EQ(s->column_blob(1), keys[0].features);
}

// The store's connection, as an administrator or a restarted server ends it. Returns how many
// sessions ended (pg_terminate_backend waits until each has).
int end_sessions_of(const testing::PostgresqlServer& server, const std::string& application) {
    auto admin = Db::open_postgresql(server.conninfo, server.password, "admin");
    EXPECT_TRUE(admin) << admin.error().message;
    auto s = Statement::prepare(*admin,
                                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                                "WHERE application_name = ?1",
                                "end sessions");
    EXPECT_TRUE(s) << s.error().message;
    auto row = s->bind(1, application).step();
    EXPECT_TRUE(row && *row);
    return static_cast<int>(s->column_int64(0));
}

ParsedFeed one_item_document(const std::string& id, const std::string& title) {
    ParsedFeed doc;
    doc.format = FeedFormat::rss;
    ParsedItem item;
    item.id = id;
    item.title = title;
    doc.items.push_back(item);
    return doc;
}

std::vector<ItemKeys> keys_of(const ParsedFeed& doc) {
    std::vector<ItemKeys> keys;
    for (const ParsedItem& item : doc.items)
        keys.push_back(ItemKeys{.item_key = "g:" + item.id,
                                .canonical_url = {},
                                .fingerprint = 0,
                                .content_hash = item.title,
                                .features = {}});
    return keys;
}

const StoryMatcher kNewStories = [](const ItemKeys&, const ParsedItem&, std::span<const StoryCandidate>) {
    return std::optional<std::int64_t>{};
};

class PostgresqlReconnect : public PostgresqlStore {
protected:
    void SetUp() override {
        PostgresqlStore::SetUp();
        application = "store_" + std::to_string(::getpid()) + "_" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
        target.conninfo += " application_name=" + application;
        auto opened = FeedStore::open_postgresql(target);
        ASSERT_TRUE(opened) << opened.error().message;
        store.emplace(std::move(*opened));
        FeedSpec feed;
        feed.name = "alpha";
        feed.url = "https://a.example/feed";
        ASSERT_TRUE(store->sync_feeds(std::vector<FeedSpec>{feed}, kT0));
    }

    Result<IngestResult> ingest(const ParsedFeed& doc) {
        auto state = store->feed_state("alpha");
        if (!state) return std::unexpected(state.error());
        return store->ingest(*state, doc, keys_of(doc), kNewStories, kT0, 48h);
    }

    std::string application;
    std::optional<FeedStore> store;
};

// A session that ends (a restarted server, an administrator) costs the call that meets it; the
// next connects again, prepares its statements again, and takes the instance lock again.
TEST_F(PostgresqlReconnect, ALostConnectionIsMadeAgainWithItsLock) {
    ASSERT_TRUE(ingest(one_item_document("1", "one")));
    ASSERT_EQ(end_sessions_of(server, application), 1);

    EXPECT_FALSE(store->feed_state("alpha"));  // the call that finds the session gone
    auto state = store->feed_state("alpha");
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(state->item_count, 1);
    auto two = ingest(one_item_document("2", "two"));
    ASSERT_TRUE(two) << two.error().message;
    EXPECT_EQ(two->new_items, 1);

    auto second = FeedStore::open_postgresql(target);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("in use by another tributary"), std::string::npos) << second.error().message;
}

// A transaction lost with its session is not carried on in a new one: its later statements and
// its commit fail, none of it is kept, and the calls after it work.
TEST_F(PostgresqlReconnect, ATransactionLostWithItsSessionFailsToItsEnd) {
    ASSERT_TRUE(store->begin_batch());
    ASSERT_TRUE(ingest(one_item_document("1", "one")));
    ASSERT_EQ(end_sessions_of(server, application), 1);
    auto lost = ingest(one_item_document("2", "two"));
    ASSERT_FALSE(lost);
    auto again = ingest(one_item_document("3", "three"));
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("was lost in a transaction"), std::string::npos) << again.error().message;
    EXPECT_FALSE(store->commit_batch());

    auto after = ingest(one_item_document("2", "two"));
    ASSERT_TRUE(after) << after.error().message;
    auto state = store->feed_state("alpha");
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(state->item_count, 1);  // "two" alone: "one" went with the lost transaction
}

// When the new session cannot be had (here: another daemon took the database meanwhile), the
// error says why and when the next attempt comes; calls in between fail at once.
TEST_F(PostgresqlReconnect, AFailedReconnectWaitsBeforeTheNextAttempt) {
    ASSERT_EQ(end_sessions_of(server, application), 1);
    auto other = FeedStore::open_postgresql(target);
    ASSERT_TRUE(other) << other.error().message;

    EXPECT_FALSE(store->feed_state("alpha"));  // meets the lost session
    auto refused = store->feed_state("alpha");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("in use by another tributary (one daemon per database for now); next "
                                           "attempt in 1s"),
              std::string::npos)
        << refused.error().message;
    auto waiting = store->feed_state("alpha");
    ASSERT_FALSE(waiting);
    EXPECT_NE(waiting.error().message.find("is lost; next attempt in 1s"), std::string::npos)
        << waiting.error().message;

    // Once the other daemon is gone, the next attempt (a second later) has the database again.
    other = std::unexpected(Error{});
    std::this_thread::sleep_for(1100ms);
    auto back = store->feed_state("alpha");
    EXPECT_TRUE(back) << back.error().message;
}

// A story index that joins items with equal features (the title): what matters here is which
// stories an index has met, not how it scores them.
class SameTitleIndex final : public StoryIndex {
public:
    bool add(std::int64_t story_id, const ItemKeys& keys, SysTime, SysTime) override {
        held[story_id] = keys.features;
        return true;
    }
    void remove(std::int64_t story_id) override { held.erase(story_id); }
    std::size_t expire(SysTime) override { return 0; }
    std::size_t size() const override { return held.size(); }
    std::optional<StoryMatch> match(const ItemKeys& keys, const ParsedItem&, SysTime, Seconds) const override {
        for (const auto& [id, features] : held)
            if (features == keys.features) return StoryMatch{.story_id = id, .reason = "same title", .by_score = true};
        return std::nullopt;
    }
    std::string features_of(const ParsedItem& item) const override { return "title:" + item.title; }

    std::map<std::int64_t, std::string> held;
};

// Daemons sharing one database, each with its own store and index.
class SharedPostgresql : public PostgresqlStore {
protected:
    void SetUp() override {
        PostgresqlStore::SetUp();
        target.shared = true;
        for (std::optional<FeedStore>* store : {&a, &b}) {
            target.daemon = store == &a ? "daemon-a" : "daemon-b";
            auto opened = FeedStore::open_postgresql(target);
            ASSERT_TRUE(opened) << opened.error().message;
            store->emplace(std::move(*opened));
        }
        std::vector<FeedSpec> feeds(2);
        feeds[0].name = "alpha";
        feeds[0].url = "https://a.example/feed";
        feeds[1].name = "beta";
        feeds[1].url = "https://b.example/feed";
        ASSERT_TRUE(a->sync_feeds(feeds, kT0));
        ASSERT_TRUE(a->load_story_index(index_a, kT0 - 72h));
        ASSERT_TRUE(b->load_story_index(index_b, kT0 - 72h));
    }

    // One item titled `title`, under its own address on `feed`'s site (`key`'s: the title's unless
    // given, so that a second title under one key rewrites the item).
    static Result<IngestResult> ingest(FeedStore& store, StoryIndex& index, const std::string& feed,
                                       const std::string& title, std::string key = {}) {
        if (key.empty()) key = title;
        ParsedFeed doc;
        doc.format = FeedFormat::rss;
        ParsedItem item;
        item.id = key;
        item.title = title;
        item.link = "https://" + feed + ".example/" + std::to_string(std::hash<std::string>{}(key));
        doc.items.push_back(item);
        const std::vector<ItemKeys> keys{ItemKeys{.item_key = "g:" + key,
                                                  .canonical_url = item.link,
                                                  .fingerprint = 0,
                                                  .content_hash = title,
                                                  .features = {}}};
        auto state = store.feed_state(feed);
        if (!state) return std::unexpected(state.error());
        return store.ingest(*state, doc, keys, index, kT0, 72h);
    }

    std::int64_t stories() {
        Db db = connect();
        auto s = Statement::prepare(db, "SELECT count(*) FROM stories", "count stories");
        EXPECT_TRUE(s) << s.error().message;
        auto row = s->step();
        EXPECT_TRUE(row && *row);
        return s->column_int64(0);
    }

    std::optional<FeedStore> a, b;
    SameTitleIndex index_a, index_b;
};

// A story one daemon created is met by the other's next ingest, though its index was loaded
// before the story existed.
TEST_F(SharedPostgresql, EachDaemonMeetsTheStoriesTheOtherCreated) {
    auto first = ingest(*a, index_a, "alpha", "Earthquake of magnitude 6.1 off Al Hoceima");
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->new_items, 1);
    auto copy = ingest(*b, index_b, "beta", "Earthquake of magnitude 6.1 off Al Hoceima");
    ASSERT_TRUE(copy) << copy.error().message;
    EXPECT_EQ(copy->duplicate_items, 1);
    ASSERT_EQ(copy->joins.size(), 1u);
    EXPECT_EQ(copy->joins[0].reason, "same title");
    EXPECT_EQ(stories(), 1);
    EXPECT_EQ(index_b.size(), 1u);

    // And back: b's new story reaches a.
    ASSERT_TRUE(ingest(*b, index_b, "beta", "Rabat hosts the African Cup draw"));
    auto back = ingest(*a, index_a, "alpha", "Rabat hosts the African Cup draw");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->duplicate_items, 1);
    EXPECT_EQ(stories(), 2);
}

// A story whose text one daemon changed (its representative item rewritten, a live page moving on)
// is matched by its new text on the other: the rewrite takes a new revision, which the other's next
// ingest reads. Without it the other kept the old text, and a copy of the new one made a second story.
TEST_F(SharedPostgresql, AStoryRewrittenByOneDaemonIsMatchedByItsNewTextOnTheOther) {
    ASSERT_TRUE(ingest(*a, index_a, "alpha", "Live: the Tangier port this morning", "live-page"));
    ASSERT_TRUE(ingest(*b, index_b, "beta", "Rabat hosts the African Cup draw"));  // b meets a's story as it was
    auto rewritten = ingest(*a, index_a, "alpha", "Flooding closes the Tangier port", "live-page");
    ASSERT_TRUE(rewritten) << rewritten.error().message;
    EXPECT_EQ(rewritten->updated_items, 1);

    auto copy = ingest(*b, index_b, "beta", "Flooding closes the Tangier port");
    ASSERT_TRUE(copy) << copy.error().message;
    EXPECT_EQ(copy->duplicate_items, 1);
    EXPECT_EQ(stories(), 2);
    auto old = ingest(*b, index_b, "beta", "Live: the Tangier port this morning");
    ASSERT_TRUE(old) << old.error().message;
    EXPECT_EQ(old->new_items, 1);  // the old text is no longer the story's
}

// The window is read in pages of 2,000 rows (libpq holds a result whole in memory): every story
// reaches the index, at start and in a catch-up, however many pages it takes.
TEST_F(SharedPostgresql, ThousandsOfStoriesReachTheIndexPageAfterPage) {
    constexpr int kStories = 4500;
    ParsedFeed doc;
    doc.format = FeedFormat::rss;
    std::vector<ItemKeys> keys;
    for (int i = 0; i < kStories; ++i) {
        ParsedItem item;
        item.id = "story-" + std::to_string(i);
        item.title = "Story number " + std::to_string(i);
        item.link = "https://alpha.example/" + std::to_string(i);
        doc.items.push_back(item);
        keys.push_back(ItemKeys{.item_key = "g:" + item.id,
                                .canonical_url = item.link,
                                .fingerprint = 0,
                                .content_hash = item.title,
                                .features = {}});
    }
    auto state = a->feed_state("alpha");
    ASSERT_TRUE(state) << state.error().message;
    auto stored = a->ingest(*state, doc, keys, index_a, kT0, 72h);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->new_items, kStories);

    // b meets them all in its next ingest's catch-up.
    ASSERT_TRUE(ingest(*b, index_b, "beta", "Rabat hosts the African Cup draw"));
    EXPECT_EQ(index_b.size(), static_cast<std::size_t>(kStories + 1));
    // A daemon starting now reads them all.
    target.daemon = "daemon-c";
    auto c = FeedStore::open_postgresql(target);
    ASSERT_TRUE(c) << c.error().message;
    SameTitleIndex index_c;
    auto load = c->load_story_index(index_c, kT0 - 72h);
    ASSERT_TRUE(load) << load.error().message;
    EXPECT_EQ(load->stories, static_cast<std::size_t>(kStories + 1));
    EXPECT_EQ(index_c.size(), static_cast<std::size_t>(kStories + 1));
}

std::vector<std::string> names_of(const std::vector<FeedState>& states) {
    std::vector<std::string> out;
    for (const FeedState& s : states) out.push_back(s.name);
    return out;
}

// A due feed is leased to one daemon; the other is told who holds it and until when, or when the
// feed is due next once it was polled; an expired lease (its daemon died) is taken over.
TEST_F(SharedPostgresql, LeasesGiveEachDueFeedToOneDaemonUntilItsStateIsSaved) {
    const std::vector<FeedToLease> both{
        {"alpha", "alpha.example"}, {"beta", "beta.example"}, {"not-a-feed", "alpha.example"}};
    auto first = a->lease_feeds(both, kT0, kT0 + 5min);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(names_of(first->leased), (std::vector<std::string>{"alpha", "beta"}));
    EXPECT_TRUE(first->refused.empty());

    auto second = b->lease_feeds(both, kT0 + 1s, kT0 + 5min);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->leased.empty());
    ASSERT_EQ(second->refused.size(), 2u);
    for (const FeedLeases::Refused& r : second->refused) {
        EXPECT_EQ(r.lease_owner, "daemon-a") << r.name;
        EXPECT_EQ(r.lease_until, kT0 + 5min) << r.name;
    }

    // a polled alpha: saving its state ends the lease, and b sees when it is due next.
    FeedState alpha = first->leased[0];
    alpha.etag = "\"v2\"";
    alpha.last_fetch = kT0 + 2s;
    alpha.next_due = kT0 + 1h;
    ASSERT_TRUE(a->save_feed_state(alpha));
    ASSERT_TRUE(a->release_host("alpha.example", kT0 + 3s));  // none of its feeds left in a's hands
    auto third = b->lease_feeds(both, kT0 + 3s, kT0 + 5min);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_TRUE(third->leased.empty());
    ASSERT_EQ(third->refused.size(), 2u);
    EXPECT_EQ(third->refused[0].name, "alpha");
    EXPECT_EQ(third->refused[0].lease_owner, "");
    EXPECT_EQ(third->refused[0].next_due, kT0 + 1h);

    // a died holding beta: once the lease expired, b takes it over, with the state a left.
    auto takeover = b->lease_feeds(both, kT0 + 6min, kT0 + 11min);
    ASSERT_TRUE(takeover) << takeover.error().message;
    EXPECT_EQ(names_of(takeover->leased), (std::vector<std::string>{"beta"}));

    // When it is due, alpha comes to b with the validators a saved.
    auto due = b->lease_feeds(both, kT0 + 1h, kT0 + 1h + 5min);
    ASSERT_TRUE(due) << due.error().message;
    ASSERT_EQ(names_of(due->leased), (std::vector<std::string>{"alpha", "beta"}));
    EXPECT_EQ(due->leased[0].etag, "\"v2\"");
}

// A host is polled by one daemon at a time, so that its max_per_host and min_host_spacing hold
// for all: the other daemons leave the host's feeds alone until its holder gives it back (or dies).
TEST_F(SharedPostgresql, AHostsFeedsGoToTheDaemonHoldingTheHostUntilItGivesItBack) {
    auto first = a->lease_feeds(std::vector<FeedToLease>{{"alpha", "news.example"}}, kT0, kT0 + 5min);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(names_of(first->leased), (std::vector<std::string>{"alpha"}));

    // beta is due and nobody polls it, but its host is a's.
    auto refused = b->lease_feeds(std::vector<FeedToLease>{{"beta", "news.example"}}, kT0 + 1s, kT0 + 5min);
    ASSERT_TRUE(refused) << refused.error().message;
    EXPECT_TRUE(refused->leased.empty());
    ASSERT_EQ(refused->refused.size(), 1u);
    EXPECT_EQ(refused->refused[0].name, "beta");
    EXPECT_EQ(refused->refused[0].lease_owner, "daemon-a");
    EXPECT_EQ(refused->refused[0].lease_until, kT0 + 5min);
    EXPECT_TRUE(refused->refused[0].host_leased);

    // a may lease more of its host's feeds, which renews the host's lease.
    auto more = a->lease_feeds(std::vector<FeedToLease>{{"beta", "news.example"}}, kT0 + 2s, kT0 + 6min);
    ASSERT_TRUE(more) << more.error().message;
    EXPECT_EQ(names_of(more->leased), (std::vector<std::string>{"beta"}));

    // Only the holder gives a host back, and others wait for the end of its min_host_spacing.
    ASSERT_TRUE(b->release_host("news.example", kT0 + 3s));
    for (FeedState state : {more->leased[0], first->leased[0]}) {
        state.last_fetch = kT0 + 3s;
        ASSERT_TRUE(a->save_feed_state(state));  // due again at once: next_due stays unset
    }
    ASSERT_TRUE(a->release_host("news.example", kT0 + 10s));
    auto early = b->lease_feeds(std::vector<FeedToLease>{{"beta", "news.example"}}, kT0 + 5s, kT0 + 5min);
    ASSERT_TRUE(early) << early.error().message;
    EXPECT_TRUE(early->leased.empty());
    ASSERT_EQ(early->refused.size(), 1u);
    EXPECT_EQ(early->refused[0].lease_until, kT0 + 10s);
    auto taken = b->lease_feeds(std::vector<FeedToLease>{{"beta", "news.example"}}, kT0 + 10s, kT0 + 5min);
    ASSERT_TRUE(taken) << taken.error().message;
    EXPECT_EQ(names_of(taken->leased), (std::vector<std::string>{"beta"}));

    // A dead holder's host is taken over when its lease expires.
    auto orphan = a->lease_feeds(std::vector<FeedToLease>{{"alpha", "other.example"}}, kT0 + 11s, kT0 + 1min);
    ASSERT_TRUE(orphan) << orphan.error().message;
    EXPECT_EQ(names_of(orphan->leased), (std::vector<std::string>{"alpha"}));
    auto after = b->lease_feeds(std::vector<FeedToLease>{{"alpha", "other.example"}}, kT0 + 2min, kT0 + 7min);
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_EQ(names_of(after->leased), (std::vector<std::string>{"alpha"}));
}

// Two daemons asking for the same host's due feeds at the same moment: one gets them all. Without
// the host's lease each took one feed (SKIP LOCKED), and the host had both daemons' requests.
TEST_F(SharedPostgresql, TwoDaemonsAskingAtOnceForOneHostsFeedsNeverBothGetSome) {
    constexpr int kRounds = 40;
    std::vector<std::vector<std::string>> got_a(kRounds), got_b(kRounds);
    std::vector<std::string> errors(2);
    std::atomic<int> arrived{0};
    const auto run = [&](FeedStore& store, std::vector<std::vector<std::string>>& got, std::string& error) {
        for (int i = 0; i < kRounds; ++i) {
            // Both threads start each round together; every round is an hour later, on a new host,
            // when the last round's leases (a second long) have expired.
            ++arrived;
            while (arrived.load() < 2 * (i + 1)) std::this_thread::yield();
            const std::string host = "host-" + std::to_string(i) + ".example";
            const SysTime now = kT0 + std::chrono::hours(i);
            auto leases = store.lease_feeds(std::vector<FeedToLease>{{"beta", host}, {"alpha", host}}, now, now + 1s);
            if (!leases) {
                if (error.empty()) error = leases.error().message;
                continue;
            }
            got[i] = names_of(leases->leased);
        }
    };
    std::thread one(run, std::ref(*a), std::ref(got_a), std::ref(errors[0]));
    std::thread two(run, std::ref(*b), std::ref(got_b), std::ref(errors[1]));
    one.join();
    two.join();
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    for (int i = 0; i < kRounds; ++i) {
        EXPECT_TRUE(got_a[i].empty() || got_b[i].empty()) << "round " << i;
        EXPECT_EQ(got_a[i].size() + got_b[i].size(), 2u) << "round " << i;
    }
}

// A round's states saved together (one statement on PostgreSQL) end their feeds' leases, as
// saving them one by one does; another daemon's lease is left alone.
TEST_F(SharedPostgresql, StatesSavedTogetherEndTheirLeases) {
    const std::vector<FeedToLease> both{{"alpha", "alpha.example"}, {"beta", "beta.example"}};
    auto leased = a->lease_feeds(both, kT0, kT0 + 5min);
    ASSERT_TRUE(leased) << leased.error().message;
    ASSERT_EQ(leased->leased.size(), 2u);
    std::vector<FeedState> states = leased->leased;
    for (FeedState& state : states) {
        state.last_fetch = kT0 + 1s;
        state.next_due = kT0 + 1h;
    }
    states.resize(1);                                  // alpha only: beta stays leased
    const auto results = b->save_feed_states(states);  // not b's lease: it stays a's
    ASSERT_TRUE(results.at(0));
    auto still = b->lease_feeds(both, kT0 + 2s, kT0 + 5min);
    ASSERT_TRUE(still) << still.error().message;
    ASSERT_EQ(still->refused.size(), 2u);
    EXPECT_EQ(still->refused[0].lease_owner, "daemon-a");

    ASSERT_TRUE(a->save_feed_states(states).at(0));
    ASSERT_TRUE(a->release_host("alpha.example", kT0 + 3s));
    auto after = b->lease_feeds(both, kT0 + 3s, kT0 + 5min);
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_TRUE(after->leased.empty());
    ASSERT_EQ(after->refused.size(), 2u);
    EXPECT_EQ(after->refused[0].name, "alpha");
    EXPECT_EQ(after->refused[0].lease_owner, "");  // polled, due in an hour
    EXPECT_EQ(after->refused[0].next_due, kT0 + 1h);
    EXPECT_EQ(after->refused[1].lease_owner, "daemon-a");  // beta: still a's
}

// A host's Retry-After, asked of one daemon, reaches the others with their next leases.
TEST_F(SharedPostgresql, AHostHoldReachesEveryDaemonAndOnlyALaterOneReplacesIt) {
    ASSERT_TRUE(a->hold_host("news.example", kT0 + 1h, "alpha"));
    ASSERT_TRUE(a->hold_host("news.example", kT0 + 30min, "beta"));  // shorter: the longer stays
    ASSERT_TRUE(a->hold_host("old.example", kT0 - 1min, "alpha"));   // over already
    auto leases = b->lease_feeds(std::vector<FeedToLease>{{"alpha", "alpha.example"}}, kT0, kT0 + 5min);
    ASSERT_TRUE(leases) << leases.error().message;
    ASSERT_EQ(leases->holds.size(), 1u);
    EXPECT_EQ(leases->holds[0].host, "news.example");
    EXPECT_EQ(leases->holds[0].until, kT0 + 1h);
    EXPECT_EQ(leases->holds[0].feed, "alpha");
}

TEST_F(PostgresqlStore, OnlyASharedStoreLeases) {
    auto store = FeedStore::open_postgresql(target);
    ASSERT_TRUE(store) << store.error().message;
    auto leases = store->lease_feeds(std::vector<FeedToLease>{{"alpha", "alpha.example"}}, kT0, kT0 + 5min);
    ASSERT_FALSE(leases);
    EXPECT_EQ(leases.error().message, "store: lease feeds: the store is not shared");
}

// Two daemons ingesting two copies of each story at the same moment: the story lock decides,
// one story each.
TEST_F(SharedPostgresql, CopiesIngestedAtOnceByTwoDaemonsMakeOneStoryEach) {
    constexpr int kStories = 30;
    std::atomic<int> ready{0};
    std::vector<std::string> errors(2);
    const auto run = [&](FeedStore& store, StoryIndex& index, const std::string& feed, std::string& error) {
        ++ready;
        while (ready.load() < 2) std::this_thread::yield();
        for (int i = 0; i < kStories; ++i) {
            auto r = ingest(store, index, feed, "story number " + std::to_string(i));
            if (!r && error.empty()) error = r.error().message;
        }
    };
    std::thread one(run, std::ref(*a), std::ref(index_a), "alpha", std::ref(errors[0]));
    std::thread two(run, std::ref(*b), std::ref(index_b), "beta", std::ref(errors[1]));
    one.join();
    two.join();
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    EXPECT_EQ(stories(), kStories);
    auto merged = a->merged_items(1000);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(merged->size(), static_cast<std::size_t>(kStories));
}

TEST_F(PostgresqlStore, ATransactionWithAFailedStatementFailsToCommit) {
    Db db = connect();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x bigint PRIMARY KEY)", "create"));
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)", "insert"));
    EXPECT_FALSE(db.exec("INSERT INTO t VALUES (1)", "insert again"));
    auto committed = tx->commit();
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().message,
              "store: commit: a statement of the transaction failed, so PostgreSQL rolled it back");
    EXPECT_FALSE(db.in_transaction());
    auto count = Statement::prepare(db, "SELECT count(*) FROM t", "count");
    ASSERT_TRUE(count);
    ASSERT_TRUE(count->step().value_or(false));
    EXPECT_EQ(count->column_int64(0), 0);
}

TEST_F(PostgresqlStore, TextWithANulByteIsRefusedNotCut) {
    Db db = connect();
    ASSERT_TRUE(db.exec("CREATE TABLE t (x text)", "create"));
    auto s = Statement::prepare(db, "INSERT INTO t VALUES (?1)", "insert text");
    ASSERT_TRUE(s);
    auto r = s->bind(1, std::string_view("cut\0here", 8)).run();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "store: insert text: bind parameter 1: text with a NUL byte");
}

}  // namespace
}  // namespace tributary::store

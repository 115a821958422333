// `tributary backup` (store/backup.hpp) and readers in a directory they may not write
// (Db::open_for_reading), issue 13.

#include "store/backup.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/feed_store.hpp"
#include "store/sqlite.hpp"

namespace tributary::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "tributary_backup_XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string feed_name(int i) {
    char name[32];
    std::snprintf(name, sizeof name, "feed-%05d", i);
    return name;
}

std::vector<FeedSpec> feeds(int count) {
    std::vector<FeedSpec> out;
    for (int i = 0; i < count; ++i) {
        FeedSpec spec;
        spec.name = feed_name(i);
        spec.url = "https://example.org/" + spec.name + ".xml";
        out.push_back(std::move(spec));
    }
    return out;
}

const SysTime kNow{std::chrono::seconds{1'700'000'000}};

// One value of a one-row query, through a plain connection.
std::string query_one(const fs::path& file, const char* sql) {
    sqlite3* raw = nullptr;
    sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db{raw, &sqlite3_close};
    sqlite3_stmt* stmt_raw = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql, -1, &stmt_raw, nullptr) != SQLITE_OK) return sqlite3_errmsg(db.get());
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt{stmt_raw, &sqlite3_finalize};
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) return sqlite3_errmsg(db.get());
    const auto* text = sqlite3_column_text(stmt.get(), 0);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

TEST(Backup, CopiesAConsistentDatabaseWhileAWriterCommits) {
    const TempDir dir;
    const fs::path live = dir.path() / "tributary.db";
    std::atomic<int> committed{0};
    std::atomic<bool> stop{false};
    std::string writer_error;
    {
        auto store = FeedStore::open(live);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(store->sync_feeds(feeds(3000), kNow));
        committed = 3000;
        // The daemon's writer: one feed more per transaction, all the time the backups run.
        std::thread writer([&, s = std::move(*store)]() mutable {
            for (int n = 3001; !stop; ++n) {
                if (auto r = s.sync_feeds(feeds(n), kNow); !r) {
                    writer_error = r.error().message;
                    return;
                }
                committed = n;
            }
        });
        std::vector<int> during;
        for (int round = 0; round < 4; ++round) {
            SCOPED_TRACE(round);
            const int before = committed;
            const fs::path copy = dir.path() / ("copy" + std::to_string(round) + ".db");
            const auto done = backup_database(live, copy);
            const int after = committed;
            ASSERT_TRUE(done) << done.error().message;
            EXPECT_EQ(query_one(copy, "PRAGMA integrity_check"), "ok");
            EXPECT_EQ(query_one(copy, "PRAGMA journal_mode"), "delete");  // one file, no -wal needed
            EXPECT_FALSE(fs::exists(copy.string() + "-wal"));
            auto reopened = FeedStore::open_read_only(copy);
            ASSERT_TRUE(reopened) << reopened.error().message;
            const auto states = reopened->feed_states();
            ASSERT_TRUE(states) << states.error().message;
            // One commit's state: feeds 0..n-1 with nothing missing in between, n within the
            // commits seen around the backup.
            const int n = static_cast<int>(states->size());
            EXPECT_GE(n, before);
            EXPECT_LE(n, after);
            for (int i = 0; i < n; ++i) ASSERT_EQ((*states)[static_cast<std::size_t>(i)].name, feed_name(i));
            during.push_back(n);
            std::this_thread::sleep_for(20ms);
        }
        stop = true;
        writer.join();
        EXPECT_EQ(writer_error, "");
        // The writer really wrote while the backups ran: the copies differ.
        EXPECT_LT(during.front(), during.back());
    }
    for (const auto& entry : fs::directory_iterator(dir.path()))
        EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
}

TEST(Backup, RefusesToOverwriteTheLiveDatabaseOrItsCompanions) {
    const TempDir dir;
    const fs::path live = dir.path() / "tributary.db";
    {
        auto store = FeedStore::open(live);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(store->sync_feeds(feeds(3), kNow));
        for (const fs::path& target : {live, dir.path() / "." / "tributary.db", fs::path(live.string() + "-wal"),
                                       fs::path(live.string() + ".lock")}) {
            SCOPED_TRACE(target.string());
            const auto done = backup_database(live, target);
            ASSERT_FALSE(done);
            EXPECT_NE(done.error().message.find("refusing to overwrite the live database"), std::string::npos)
                << done.error().message;
        }
        const fs::path link = dir.path() / "link.db";
        fs::create_hard_link(live, link);
        EXPECT_FALSE(backup_database(live, link));
    }
    auto store = FeedStore::open_read_only(live);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(store->feed_states()->size(), 3u);
}

TEST(Backup, ReplacesAnOlderBackupAndNamesTheMissingDatabase) {
    const TempDir dir;
    const fs::path live = dir.path() / "tributary.db";
    const fs::path copy = dir.path() / "backup.db";
    {
        auto store = FeedStore::open(live);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->sync_feeds(feeds(2), kNow));
        ASSERT_TRUE(backup_database(live, copy));
        ASSERT_TRUE(store->sync_feeds(feeds(5), kNow));
        ASSERT_TRUE(backup_database(live, copy));
    }
    EXPECT_EQ(FeedStore::open_read_only(copy)->feed_states()->size(), 5u);
    const auto missing = backup_database(dir.path() / "absent.db", dir.path() / "x.db");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("absent.db"), std::string::npos) << missing.error().message;
}

// Tests run as root, for whom a directory's permission bits do not apply. The immutable
// attribute does: not even root may create a file in such a directory, which is exactly what
// a reader without write access to the directory meets (SQLite cannot create the -shm file).
class ImmutableDir {
public:
    explicit ImmutableDir(const fs::path& dir) : dir_(dir) { ok_ = set(true); }
    ~ImmutableDir() {
        if (ok_) set(false);
    }
    ImmutableDir(const ImmutableDir&) = delete;
    ImmutableDir& operator=(const ImmutableDir&) = delete;
    bool ok() const { return ok_; }
    std::string why() const { return why_; }

private:
    bool set(bool on) {
        const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return false;
        int flags = 0;
        bool done = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
        if (done) {
            flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
            done = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
        }
        if (!done) why_ = std::strerror(errno);
        ::close(fd);
        return done;
    }
    fs::path dir_;
    bool ok_ = false;
    std::string why_;
};

TEST(ReadOnlyDirectory, StatusReadsADatabaseWhoseDirectoryItCannotWrite) {
    const TempDir dir;
    const fs::path live = dir.path() / "tributary.db";
    {
        auto store = FeedStore::open(live);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->sync_feeds(feeds(4), kNow));
    }  // the daemon stopped: its last connection removed the -wal and -shm files
    ASSERT_FALSE(fs::exists(live.string() + "-wal"));
    ASSERT_FALSE(fs::exists(live.string() + "-shm"));
    const ImmutableDir frozen(dir.path());
    if (!frozen.ok()) GTEST_SKIP() << "cannot make " << dir.path() << " immutable: " << frozen.why();
    if (::access(dir.path().c_str(), W_OK) == 0) GTEST_SKIP() << "the immutable directory is still writable";

    // What a plain read-only connection meets: SQLite must create the -shm file, and cannot.
    auto plain = Db::open(live.string(), Db::Mode::read_only);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->user_version());

    auto store = FeedStore::open_read_only(live);
    ASSERT_TRUE(store) << store.error().message;
    const auto states = store->feed_states();
    ASSERT_TRUE(states) << states.error().message;
    EXPECT_EQ(states->size(), 4u);
}

TEST(ReadOnlyDirectory, ImmutableModeOpensPathsWithUriCharacters) {
    const TempDir dir;
    const fs::path odd = dir.path() / "a?b#c%20 d.db";
    {
        auto store = FeedStore::open(odd);
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(store->sync_feeds(feeds(2), kNow));
    }
    auto db = Db::open(odd.string(), Db::Mode::read_only_immutable);
    ASSERT_TRUE(db) << db.error().message;
    const auto version = db->user_version();
    ASSERT_TRUE(version) << version.error().message;
    EXPECT_GT(*version, 0);
    EXPECT_FALSE(fs::exists(odd.string() + "-shm"));  // immutable: nothing created beside it
}

}  // namespace
}  // namespace tributary::store

#include "store/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include "store/sqlite.hpp"

namespace tributary::store {
namespace {

namespace fs = std::filesystem;

struct BackupFinisher {
    void operator()(sqlite3_backup* backup) const noexcept { sqlite3_backup_finish(backup); }
};
using BackupHandle = std::unique_ptr<sqlite3_backup, BackupFinisher>;

// The temporary copy, removed unless it was renamed into place.
class TempFile {
public:
    explicit TempFile(fs::path path) : path_(std::move(path)) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (path_.empty()) return;
        std::error_code ec;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path_.string() + suffix, ec);
    }
    const fs::path& path() const { return path_; }
    void keep() { path_.clear(); }

private:
    fs::path path_;
};

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

Result<void> fsync_path(const fs::path& path, int flags) {
    const Fd file{::open(path.c_str(), flags | O_CLOEXEC)};
    if (file.fd < 0 || ::fsync(file.fd) != 0)
        return fail(ErrorKind::Io, "fsync " + path.string() + ": " + std::strerror(errno));
    return {};
}

fs::path absolute_of(const fs::path& path) {
    std::error_code ec;
    fs::path out = fs::weakly_canonical(fs::absolute(path, ec), ec);
    return ec ? path.lexically_normal() : out;
}

// The target is the live database or one of the files SQLite and the daemon keep beside it.
bool is_live(const fs::path& database, const fs::path& target) {
    const fs::path db = absolute_of(database);
    const fs::path out = absolute_of(target);
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"})
        if (out == fs::path(db.string() + suffix)) return true;
    std::error_code ec;
    return fs::exists(target, ec) && fs::equivalent(database, target, ec);
}

Result<void> copy_pages(const fs::path& database, const fs::path& temp) {
    auto source = Db::open_for_reading(database.string());
    if (!source) return std::unexpected(source.error());
    auto dest = Db::open(temp.string(), Db::Mode::read_write_create);
    if (!dest) return std::unexpected(dest.error());
    {
        BackupHandle backup{sqlite3_backup_init(dest->get(), "main", source->get(), "main")};
        if (!backup) return db_error("backup", dest->error_message());
        // One step copies every page under one read transaction: a snapshot of one commit,
        // while the writer goes on appending to the WAL. Busy/locked (a writer in rollback
        // mode, or a checkpoint truncating the WAL as we start) is retried for a while.
        int rc = SQLITE_OK;
        for (int attempt = 0; attempt < 100; ++attempt) {
            rc = sqlite3_backup_step(backup.get(), -1);
            if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (rc != SQLITE_DONE) return db_error("backup", sqlite3_errstr(rc));
        // finish() reports the step's error once more, or one of its own: read it here rather
        // than in the deleter.
        if (const int finished = sqlite3_backup_finish(backup.release()); finished != SQLITE_OK)
            return db_error("backup", sqlite3_errmsg(dest->get()));
    }
    // The pages say "WAL" as the live file does; a backup is one file, readable without a -shm.
    auto mode = dest->pragma_text("PRAGMA journal_mode = DELETE", "set the copy's journal mode");
    if (!mode) return std::unexpected(mode.error());
    auto check = dest->pragma_text("PRAGMA quick_check", "check the copy");
    if (!check) return std::unexpected(check.error());
    if (*check != "ok") return db_error("check the copy", *check);
    return {};
}

}  // namespace

Result<void> backup_database(const fs::path& database, const fs::path& target) {
    const std::string context = "store: backup " + database.string() + " to " + target.string() + ": ";
    const auto failed = [&](const Error& e) {
        std::string_view why = e.message;
        if (why.starts_with("store: ")) why.remove_prefix(7);
        return fail(e.kind, context + std::string(why));
    };
    if (target.empty() || target.filename().empty())
        return fail(ErrorKind::Io, context + "the target must be a file name");
    if (is_live(database, target))
        return fail(ErrorKind::Io, context + "refusing to overwrite the live database or its companion files");
    std::error_code ec;
    if (!fs::exists(database, ec)) return fail(ErrorKind::Io, context + "no such database");

    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    TempFile temp{dir / (target.filename().string() + ".tmp-" + std::to_string(::getpid()))};
    fs::remove(temp.path(), ec);
    if (auto copied = copy_pages(database, temp.path()); !copied) return failed(copied.error());
    if (auto synced = fsync_path(temp.path(), O_RDONLY); !synced) return failed(synced.error());
    if (::rename(temp.path().c_str(), target.c_str()) != 0)
        return fail(ErrorKind::Io, context + "rename " + temp.path().string() + ": " + std::strerror(errno));
    temp.keep();
    if (auto synced = fsync_path(dir, O_RDONLY | O_DIRECTORY); !synced) return failed(synced.error());
    return {};
}

}  // namespace tributary::store

#pragma once
// One writing daemon per database: an exclusive flock() on "<database>.lock",
// held for the life of the InstanceLock. The kernel drops the lock when the
// holder's process ends however it ends, so a lock file left by a crashed
// daemon blocks nobody. The file itself stays: removing it would let a process
// that opened the old file and one that creates a new one both hold "the" lock.

#include <filesystem>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace tributary::store {

// An owned file descriptor, closed on destruction.
class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept;

private:
    int fd_ = -1;
};

class InstanceLock {
public:
    // Creates "<database>.lock" (mode 0600) when missing, takes the lock without
    // waiting and writes this process's pid into the file. Errors (ErrorKind::Db):
    //   "store: <database> is in use by another tributary (pid N)"
    //   "store: <database> is in use by another tributary"   (its pid unreadable)
    //   "store: lock <database>.lock: <strerror>"
    static Result<InstanceLock> acquire(const std::filesystem::path& database);

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    InstanceLock(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
    std::filesystem::path path_;
    UniqueFd fd_;
};

}  // namespace tributary::store

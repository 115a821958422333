#include "publish/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>
#include <utility>

namespace tributary::publish {
namespace {

class UniqueFd {
public:
    explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }
    // Closes now and reports close(2)'s verdict (NFS may only report a failed
    // write here). Returns 0 or an errno value.
    int close() noexcept {
        const int fd = std::exchange(fd_, -1);
        if (fd < 0) return 0;
        return ::close(fd) == 0 ? 0 : errno;  // no retry on EINTR: the fd is gone on Linux
    }

private:
    int fd_;
};

// Unlinks the temporary file unless it was renamed into place.
class TempFileGuard {
public:
    explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
    TempFileGuard(const TempFileGuard&) = delete;
    TempFileGuard& operator=(const TempFileGuard&) = delete;
    ~TempFileGuard() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    void release() noexcept { path_.clear(); }

private:
    std::string path_;
};

int write_all(int fd, std::string_view bytes) noexcept {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EIO;  // cannot happen for regular files; never spin
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

int fsync_retrying(int fd) noexcept {
    while (::fsync(fd) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes, mode_t mode) {
    const auto failure = [&path](int err) {
        return fail(ErrorKind::Io,
                    "publish: cannot write " + path.string() + ": " + std::generic_category().message(err));
    };
    if (path.filename().empty()) return failure(EISDIR);

    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    // Hidden, so directory listings and globs ("*.xml") skip it; unique by mkostemp.
    std::string temp = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
    UniqueFd fd{::mkostemp(temp.data(), O_CLOEXEC)};
    if (fd.get() < 0) return failure(errno);
    TempFileGuard guard{temp};

    if (::fchmod(fd.get(), mode & 07777) != 0) return failure(errno);  // mkostemp creates 0600
    if (const int err = write_all(fd.get(), bytes); err != 0) return failure(err);
    if (const int err = fsync_retrying(fd.get()); err != 0) return failure(err);
    if (const int err = fd.close(); err != 0) return failure(err);
    if (::rename(temp.c_str(), path.c_str()) != 0) return failure(errno);
    guard.release();

    // Make the rename itself durable. Some file systems cannot fsync a
    // directory (EINVAL); the data is still in place, so that is not a failure.
    UniqueFd dir_fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir_fd.get() < 0) return failure(errno);
    if (const int err = fsync_retrying(dir_fd.get()); err != 0 && err != EINVAL) return failure(err);
    return {};
}

bool file_has_mode(const std::filesystem::path& path, mode_t mode) noexcept {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == (mode & 07777);
}

}  // namespace tributary::publish

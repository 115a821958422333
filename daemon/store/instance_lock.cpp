#include "store/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <optional>
#include <system_error>
#include <utility>

namespace tributary::store {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        UniqueFd old(std::exchange(fd_, other.release()));  // closes the one we held
    }
    return *this;
}

// close() is not retried on EINTR: on Linux the descriptor is gone either way.
UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() noexcept { return std::exchange(fd_, -1); }

namespace {

std::unexpected<Error> lock_error(const std::filesystem::path& lock_file, int error) {
    return fail(ErrorKind::Db,
                "store: lock " + lock_file.string() + ": " + std::error_code(error, std::generic_category()).message());
}

// The pid the holder wrote; nullopt while it has not written it yet, or when the
// file holds something else.
std::optional<long> holder_pid(int fd) {
    std::array<char, 32> text{};
    ssize_t size = 0;
    do {
        size = ::pread(fd, text.data(), text.size(), 0);
    } while (size < 0 && errno == EINTR);
    if (size <= 0) return std::nullopt;
    const char* end = text.data() + size;
    long pid = 0;
    const auto [rest, ec] = std::from_chars(text.data(), end, pid);
    if (ec != std::errc{} || pid <= 0 || (rest != end && *rest != '\n')) return std::nullopt;
    return pid;
}

Result<void> write_pid(int fd, const std::filesystem::path& lock_file) {
    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0) return lock_error(lock_file, errno);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::pwrite(fd, text.data() + written, text.size() - written, static_cast<off_t>(written));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return lock_error(lock_file, errno);
        written += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& database) {
    std::filesystem::path lock_file = database;
    lock_file += ".lock";
    // O_NOFOLLOW: a link planted at the lock's name must not make us truncate its target.
    UniqueFd fd(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return lock_error(lock_file, errno);
    int rc = 0;
    do {
        rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        if (errno != EWOULDBLOCK) return lock_error(lock_file, errno);
        std::string message = "store: " + database.string() + " is in use by another tributary";
        if (const auto pid = holder_pid(fd.get())) message += " (pid " + std::to_string(*pid) + ")";
        return fail(ErrorKind::Db, std::move(message));
    }
    if (auto r = write_pid(fd.get(), lock_file); !r) return std::unexpected(r.error());
    return InstanceLock{std::move(lock_file), std::move(fd)};
}

}  // namespace tributary::store

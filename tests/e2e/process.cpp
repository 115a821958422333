#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tributary::testing {
namespace {

struct SqliteCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

}  // namespace

std::vector<std::vector<std::string>> query(const std::filesystem::path& db_file, const std::string& sql) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(db_file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, SqliteCloser> db(raw);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + db_file.string());
    sqlite3_stmt* raw_stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_stmt, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("bad query: ") + sqlite3_errmsg(db.get()));
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt(raw_stmt);
    std::vector<std::vector<std::string>> rows;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(stmt.get()); ++i) {
            const auto* text = sqlite3_column_text(stmt.get(), i);
            row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

void execute(const std::filesystem::path& db_file, const std::string& sql) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(db_file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    std::unique_ptr<sqlite3, SqliteCloser> db(raw);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + db_file.string());
    char* error = nullptr;
    if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("cannot run \"" + sql + "\": " + message);
    }
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

HttpAnswer http_get_until(std::uint16_t port, const std::string& path,
                          const std::function<bool(const HttpAnswer&)>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        HttpAnswer answer = http_get(port, path);
        if (done(answer) || std::chrono::steady_clock::now() >= deadline) return answer;
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
}

std::uint16_t served_port(const std::string& log) {
    const std::string marker = "served at http://127.0.0.1:";
    const auto at = log.find(marker);
    if (at == std::string::npos) return 0;
    return static_cast<std::uint16_t>(std::stoi(log.substr(at + marker.size())));
}

pid_t spawn_logged(const std::vector<std::string>& command, const std::filesystem::path& log_file, bool own_group) {
    if (command.empty()) throw std::invalid_argument("spawn_logged: no program");
    std::vector<std::string> storage = command;  // posix_spawn wants char*, not const char*
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    if (own_group) {
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attributes, 0);
    }
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn " + command.front() + " failed");
    return pid;
}

ChildProcess::ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
                           const std::filesystem::path& log_file)
    : log_file_(log_file) {
    std::vector<std::string> command{program.string()};
    command.insert(command.end(), args.begin(), args.end());
    pid_ = spawn_logged(command, log_file);
}

ChildProcess::~ChildProcess() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(10));
    }
}

void ChildProcess::signal(int signo) const { ::kill(pid_, signo); }

bool ChildProcess::running() {
    if (status_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return r == 0;
}

// Waiting on another process has no event to block on portably; a short poll
// bounded by a deadline keeps the test fast when the child is quick.
std::optional<int> ChildProcess::wait(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
}

std::string ChildProcess::log() const { return read_file(log_file_); }

bool ChildProcess::wait_for_log(const std::string& text, std::chrono::milliseconds limit, int count) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const std::string current = log();
        int found = 0;
        for (std::size_t pos = current.find(text); pos != std::string::npos; pos = current.find(text, pos + 1)) ++found;
        if (found >= count) return true;
        if (std::chrono::steady_clock::now() > deadline || !running()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

int run_to_completion(const std::filesystem::path& program, const std::vector<std::string>& args,
                      const std::filesystem::path& log_file, std::chrono::milliseconds limit) {
    ChildProcess child(program, args, log_file);
    const auto status = child.wait(limit);
    return status.value_or(-1);
}

HttpAnswer http_get(std::uint16_t port, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket");
    std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* p) {
        ::close(*p);
        delete p;
    });
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect");
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
        throw std::runtime_error("send");
    std::string raw;
    char buf[16384];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
    HttpAnswer answer;
    const auto split = raw.find("\r\n\r\n");
    if (split == std::string::npos || raw.size() < 12) return answer;
    answer.head = raw.substr(0, split);
    answer.body = raw.substr(split + 4);
    answer.status = std::stoi(raw.substr(9, 3));
    return answer;
}

}  // namespace tributary::testing

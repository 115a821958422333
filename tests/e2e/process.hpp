#pragma once
// Shared by the end-to-end suites: a child process (the real daemon binary,
// its stdout and stderr captured in a file the test can read while it runs),
// and read-only looks into the database and files it writes.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tributary::testing {

// Starts `command` (program first, then its arguments) with stdout and stderr written to
// `log_file`; in a process group of its own when `own_group` (so that it and whatever it starts
// can be killed as one). Throws when the program cannot be started.
pid_t spawn_logged(const std::vector<std::string>& command, const std::filesystem::path& log_file,
                   bool own_group = false);

class ChildProcess {
public:
    ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
                 const std::filesystem::path& log_file);
    ~ChildProcess();  // SIGKILLs a child still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void signal(int signo) const;
    // Exit status once the child exits within `limit`; nullopt on timeout.
    // A child killed by a signal reports 128 + signo.
    std::optional<int> wait(std::chrono::milliseconds limit);
    bool running();
    std::string log() const;
    pid_t pid() const { return pid_; }
    // Waits until the log contains `text` (at least `count` times) or the deadline passes.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds limit, int count = 1);

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path log_file_;
};

// Rows of a query as strings, read through a read-only connection to `db_file`.
std::vector<std::vector<std::string>> query(const std::filesystem::path& db_file, const std::string& sql);
// Runs `sql` (one statement) through a read-write connection: for tests that age rows.
void execute(const std::filesystem::path& db_file, const std::string& sql);

// The whole file, "" when it cannot be read.
std::string read_file(const std::filesystem::path& file);

// The port of the daemon's HTTP endpoint, as its log names it at start-up ("… served at
// http://127.0.0.1:PORT/…"); 0 when the log does not name one (yet).
std::uint16_t served_port(const std::string& log);

struct HttpAnswer {
    int status = 0;
    std::string head;
    std::string body;
};

// A minimal HTTP/1.0 GET to 127.0.0.1:`port`: the server closes the connection after the answer.
// Throws when it cannot connect or send.
HttpAnswer http_get(std::uint16_t port, const std::string& path);

// http_get every 50 ms until `done` accepts the answer or `limit` passes; the last answer.
HttpAnswer http_get_until(std::uint16_t port, const std::string& path,
                          const std::function<bool(const HttpAnswer&)>& done,
                          std::chrono::milliseconds limit = std::chrono::seconds{10});

// Runs the program to completion (bounded by `limit`) and returns its exit status.
int run_to_completion(const std::filesystem::path& program, const std::vector<std::string>& args,
                      const std::filesystem::path& log_file, std::chrono::milliseconds limit);

}  // namespace tributary::testing

#pragma once
// One error convention for the whole daemon (DESIGN.md "Conventions"):
// expected, per-feed failures are values of type Result<T>; exceptions are
// reserved for start-up failures and broken invariants.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace tributary {

enum class ErrorKind {
    Config,             // feeds.conf or command line
    Network,            // DNS, connect, reset, TLS handshake
    Timeout,            // connect/total/low-speed limits
    HttpStatus,         // a non-2xx/304 answer
    TooLarge,           // body or header cap reached
    Redirect,           // loop, too many hops, forbidden scheme
    Blocked,            // refused by policy (private address, …)
    Parse,              // nothing could be salvaged from the document
    UnsupportedFormat,  // a well-formed document that is not a feed
    Db,                 // SQLite
    DbLost,             // the database file was deleted or replaced under the daemon: it must stop
    Io,                 // files
    Internal,           // a bug: should never reach a user
};

std::string_view to_string(ErrorKind kind) noexcept;

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    // Prefixed with the stage that produced it: "fetch: …", "parse: …".
    std::string message;

    friend bool operator==(const Error&, const Error&) = default;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
    return std::unexpected(Error{kind, std::move(message)});
}

}  // namespace tributary

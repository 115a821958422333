#include "core/error.hpp"

namespace tributary {

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::Config: return "config";
        case ErrorKind::Network: return "network";
        case ErrorKind::Timeout: return "timeout";
        case ErrorKind::HttpStatus: return "http_status";
        case ErrorKind::TooLarge: return "too_large";
        case ErrorKind::Redirect: return "redirect";
        case ErrorKind::Blocked: return "blocked";
        case ErrorKind::Parse: return "parse";
        case ErrorKind::UnsupportedFormat: return "unsupported_format";
        case ErrorKind::Db: return "db";
        case ErrorKind::DbLost: return "db_lost";
        case ErrorKind::Io: return "io";
        case ErrorKind::Internal: return "internal";
    }
    return "internal";
}

}  // namespace tributary

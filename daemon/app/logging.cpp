#include "app/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace tributary::app {

void init_logging(std::string_view level) {
    auto logger = spdlog::stderr_logger_mt("tributary");
    const bool under_journal = std::getenv("JOURNAL_STREAM") != nullptr;
    logger->set_pattern(under_journal ? "[%l] %v" : "%Y-%m-%dT%H:%M:%S.%e [%l] %v");
    logger->set_level(spdlog::level::from_str(std::string(level)));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace tributary::app

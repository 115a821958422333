#pragma once
// Replacing a file so that readers see either the old or the new bytes, never
// a mix, and the new bytes survive a crash once this returns.

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace tributary::publish {

// Writes `bytes` to a unique temporary file in the directory of `path` (close-on-exec, given
// `mode` with fchmod before the first byte, so the umask does not apply), fsyncs it, renames it over `path` and fsyncs
// the directory. On failure the temporary file is removed, `path` keeps its old content, and the error is Io: "publish:
// cannot write <path>: <reason>". Blocking: call it off the loop thread.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes, mode_t mode = 0644);

// True when `path` is a regular file with exactly the permission bits `mode`.
bool file_has_mode(const std::filesystem::path& path, mode_t mode) noexcept;

}  // namespace tributary::publish

// Output files that are either complete or absent: written to a temporary file beside the target,
// checked, fsynced and renamed over it, so a full disk or a crash never leaves a truncated record or
// fuzz state behind, and a failed write is an error rather than a file announced as written.
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

namespace tools {

// Writes `content` to `path` atomically. Throws std::runtime_error naming the path and the reason
// (errno's text) if any step fails; the target is then untouched.
void write_file_atomically(const std::string& path, const std::string& content);

// Writes all of `data` to the file descriptor `fd`, retrying partial writes and EINTR; false (errno set)
// on failure. Also what forked seeds send their results through.
bool write_all(int fd, const char* data, std::size_t size);

// Checks before any seed runs that the outputs can be written: a file can be created in `dir` (or, if it
// does not exist yet, in its nearest existing ancestor, where it will be created; nothing is created now); `file`'s directory exists and a file can be created there (the file itself is not
// created or truncated). Throw InputError naming `option` and the reason.
void check_writable_dir(const std::string& dir, const std::string& option);
void check_writable_file(const std::string& file, const std::string& option);

}  // namespace tools

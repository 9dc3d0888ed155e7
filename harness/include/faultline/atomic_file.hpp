#pragma once
/// Atomic file writes: write a temporary beside the target, fsync, rename. A killed process
/// never leaves a half-written report; a full disk is an internal error naming the file.
#include <string>

namespace faultline {

/// Replaces `path` with `content` atomically; creates parent directories.
void write_file_atomic(const std::string& path, const std::string& content);
/// Reads a whole file; usage error naming it if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace faultline

// Whole-file reads and crash-safe writes (temporary file, fsync, rename,
// fsync of the directory): a reader sees the old file or the new one, never
// a mix, even across a power cut.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace socketbox::sbctl {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The contents, or nullopt if the file does not exist. Throws FileError.
std::optional<std::string> read_file_if_exists(const std::string& path);
std::string read_file(const std::string& path);
void write_file_atomic(const std::string& path, const std::string& contents, mode_t mode = 0644);
// Removes a file; a file that is already gone is fine. Throws FileError.
void remove_file(const std::string& path);
void make_dirs(const std::string& path, mode_t mode = 0755);
std::string dirname_of(const std::string& path);

}  // namespace socketbox::sbctl

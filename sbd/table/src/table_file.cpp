#include "socketbox/table/table_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "socketbox/unique_fd.hpp"

namespace socketbox::table {
namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& message) {
  throw ParseError(path, 0, 0, message);
}

[[noreturn]] void refuse_errno(const std::string& path, int err) {
  refuse(path, "cannot read table: " + std::string(std::strerror(err)));
}

const char* kind_of(mode_t mode) noexcept {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

void require_regular(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode))
    refuse(path, std::string("is ") + kind_of(st.st_mode) + ", not a regular file");
}

[[noreturn]] void too_large(const std::string& path, const LoadLimits& limits) {
  refuse(path, "larger than the limit of " + std::to_string(limits.max_bytes) +
                   " bytes (--max-table-bytes)");
}

std::optional<std::string> read_bounded(const std::string& path, const LoadLimits& limits,
                                        bool missing_ok) {
  // stat() first so that a device or FIFO is refused without being opened
  // at all (opening some devices has effects); fstat() after open() closes
  // the race with a rename in between.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && missing_ok) return std::nullopt;
    refuse_errno(path, errno);
  }
  require_regular(path, st);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    if (errno == ENOENT && missing_ok) return std::nullopt;
    refuse_errno(path, errno);
  }
  if (::fstat(fd.get(), &st) != 0) refuse_errno(path, errno);
  require_regular(path, st);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > limits.max_bytes) too_large(path, limits);

  std::string out;
  out.resize(static_cast<std::size_t>(size));
  std::size_t have = 0;
  for (;;) {
    if (have == out.size()) {
      // The file may have grown since fstat(): read on, but one byte past
      // the limit at most.
      if (have > limits.max_bytes) too_large(path, limits);
      const std::size_t room =
          static_cast<std::size_t>(std::min<std::uint64_t>(limits.max_bytes - have, 65535) + 1);
      out.resize(have + room);
    }
    const ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      refuse_errno(path, errno);
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have > limits.max_bytes) too_large(path, limits);
  out.resize(have);
  return out;
}

}  // namespace

std::string read_table_text(const std::string& path, const LoadLimits& limits) {
  return *read_bounded(path, limits, false);
}

std::optional<std::string> read_table_text_if_exists(const std::string& path,
                                                     const LoadLimits& limits) {
  return read_bounded(path, limits, true);
}

}  // namespace socketbox::table

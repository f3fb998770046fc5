// Reading table files: regular files only, bounded, every refusal one line
// naming the file.
#include "socketbox/table/table_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace socketbox::table;
using sbtest::decide;
using sbtest::TempDir;
using sbtest::tuple;

namespace {

std::string load_error(const std::string& path, const LoadLimits& limits = {}) {
  try {
    load_table_file(path, limits);
  } catch (const ParseError& e) {
    CHECK(e.line() == 0);
    CHECK(e.file() == path);
    return e.what();
  }
  return "(loaded)";
}

}  // namespace

TEST_CASE("a FIFO is refused without blocking", "[table_file]") {
  TempDir d;
  const std::string fifo = d / "t.conf";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Before the fix open() waited for a writer forever; ctest's timeout
  // would catch a regression.
  CHECK(load_error(fifo) == fifo + ": is a FIFO, not a regular file");
  CHECK_THROWS_AS(read_table_text_if_exists(fifo), ParseError);
}

TEST_CASE("a directory is refused as a directory", "[table_file]") {
  TempDir d;
  CHECK(load_error(d.path()) == d.path() + ": is a directory, not a regular file");
}

TEST_CASE("/dev/zero through a symlink is refused, not read", "[table_file]") {
  TempDir d;
  const std::string link = d / "t.conf";
  REQUIRE(::symlink("/dev/zero", link.c_str()) == 0);
  CHECK(load_error(link) == link + ": is a character device, not a regular file");
}

TEST_CASE("a file over the byte limit is refused before it is read", "[table_file]") {
  TempDir d;
  const std::string path = d / "t.conf";
  const std::string text = "rule-set:0\ndefault jump-unix:/s\n";  // 32 bytes
  sbtest::write_file(path, text);
  CHECK(load_error(path, {text.size() - 1, kDefaultMaxTableEntries}) ==
        path + ": larger than the limit of 31 bytes (--max-table-bytes)");
  const Table t = load_table_file(path, {text.size(), kDefaultMaxTableEntries});
  CHECK(decide(t, tuple("::1", 1)) == "unix:/s");

  // A sparse 8 GiB file: reading it would take 8 GiB of memory.
  const std::string huge = d / "huge.conf";
  {
    const int fd = ::open(huge.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, off_t{8} << 30) == 0);
    ::close(fd);
  }
  CHECK(load_error(huge) ==
        huge + ": larger than the limit of 1073741824 bytes (--max-table-bytes)");
}

TEST_CASE("a file that is longer than its size says is still cut at the limit", "[table_file]") {
  // Files in /proc are regular and report size 0 but hold more: the same
  // case as a file that grows while it is read.
  const std::string path = "/proc/self/status";
  CHECK(load_error(path, {64, kDefaultMaxTableEntries}) ==
        path + ": larger than the limit of 64 bytes (--max-table-bytes)");
  CHECK(read_table_text(path, {1 << 20, kDefaultMaxTableEntries}).size() > 64);
}

TEST_CASE("a missing file is one clear error, or nothing where that is allowed", "[table_file]") {
  TempDir d;
  const std::string path = d / "none.conf";
  CHECK(load_error(path) == path + ": cannot read table: No such file or directory");
  CHECK_FALSE(read_table_text_if_exists(path).has_value());
  sbtest::write_file(path, "rule-set:0\n");
  CHECK(read_table_text_if_exists(path) == std::optional<std::string>("rule-set:0\n"));
}

TEST_CASE("parse errors in a file name the file", "[table_file]") {
  TempDir d;
  const std::string path = d / "t.conf";
  sbtest::write_file(path, "rule-set:0\nport:x fail\n");
  try {
    load_table_file(path);
    FAIL("loaded");
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()) ==
          path + ":2:1: error: 'port:' expects a port from 0 to 65535, got 'x'");
  }
}

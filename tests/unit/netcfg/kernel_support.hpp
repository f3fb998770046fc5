// Helpers for the kernel tests: a fresh network namespace per test case,
// shell commands run inside it, and the outputs of nft/ip read back.
#pragma once

#include <string>
#include <vector>

#include "socketbox/netcfg/kernel.hpp"

namespace sbtest {

struct CmdResult {
  int rc;
  std::string out;  // stdout and stderr
};
CmdResult run(const std::string& cmd);

// True when this process may make network namespaces (root); tests that
// need it SUCCEED with a WARN otherwise.
bool kernel_tests_possible();

#define SB_REQUIRE_KERNEL()                                                     \
  do {                                                                          \
    if (!sbtest::kernel_tests_possible()) {                                     \
      WARN("skipped: needs root and network namespaces (ip netns add) to run"); \
      SUCCEED();                                                                \
      return;                                                                   \
    }                                                                           \
  } while (0)

// `ip netns add` with a unique name and lo up; deleted on destruction.
class TestNetns {
 public:
  explicit TestNetns(const std::string& tag = "n");
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  const std::string& name() const { return name_; }
  // Runs a shell command inside the namespace; fails the test if it fails.
  std::string sh(const std::string& cmd) const;
  CmdResult try_sh(const std::string& cmd) const;

 private:
  std::string name_;
};

// A short unique suffix for names (interfaces are limited to 15 chars).
std::string unique_suffix();

// `nft list table inet socketbox` in the namespace ("" if there is none).
std::string nft_listing(const TestNetns& ns);
// The table part of render_nft() (what nft list prints).
std::string render_body(const socketbox::netcfg::DesiredState& d);

// The kernel state of `ns`, read back.
socketbox::netcfg::KernelState read_in(const TestNetns& ns);

// `ns` holds exactly d's nft table: listed as render_nft writes it, read
// back as d, with no difference and no drift.
void require_steering_holds(const TestNetns& ns, const socketbox::netcfg::DesiredState& d);

// Loads render_nft(d) with `nft -f` in `ns` (after `nft -c -f` on the same
// file); the result of the load. The file is removed.
CmdResult load_rendered(const TestNetns& ns, const socketbox::netcfg::DesiredState& d);
// The dst of every route `ip -j route show table local proto 91` prints
// (IPv4 and IPv6), sorted; each is also checked to be "local ... dev lo".
std::vector<std::string> our_routes_from_ip(const TestNetns& ns);
// Every route in table local of the namespace as `ip route` prints it.
std::string all_local_routes(const TestNetns& ns);

socketbox::netcfg::Prefix P(const char* text);

}  // namespace sbtest

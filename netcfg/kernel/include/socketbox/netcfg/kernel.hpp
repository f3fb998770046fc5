// netcfg's kernel part: makes the kernel of one network namespace hold a
// DesiredState (model.hpp), reads it back and follows its changes.
// nftables through libnftnl + libmnl, routes through libnl-route-3, socket
// directories through libacl; only sbctl's commands and the kernel tests
// link it, never sbd or the preload.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/retry.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::netcfg {

// Reads the socketbox nft table and socketbox's routes of the current netns.
KernelState read_kernel_state();

// Makes the kernel hold `desired`: the nft table is replaced in ONE netlink
// batch transaction, routes are added and removed after it. If anything
// fails, what was changed is put back (nft table and routes) and NetcfgError
// is thrown. If the ruleset changed between reading it and the commit, the
// kernel refuses the batch, nothing is changed, and apply reads the kernel
// again and retries under `retry`; when the attempts run out it throws "the
// ruleset kept changing while applying: gave up after N attempts; ...".
// Tests can make it fail at a named point (fault_hook.hpp).
void apply(const DesiredState& desired, const RetryPolicy& retry = {});

// Removes the socketbox nft table and every route tagged kRouteProtocol.
// Whatever the table holds goes, so the batch does not depend on the
// generation and a concurrent writer cannot make it fail.
void remove_all();

// Follows the current network namespace's nf_tables commits and route
// changes (netlink notifications, no polling) and says when one may have
// changed what socketbox owns: table inet socketbox or a route tagged
// kRouteProtocol. Other tables' and routes' changes are ignored.
class ChangeMonitor {
 public:
  ChangeMonitor();  // subscribes; throws NetcfgError
  ~ChangeMonitor();
  ChangeMonitor(const ChangeMonitor&) = delete;
  ChangeMonitor& operator=(const ChangeMonitor&) = delete;

  // The descriptors to poll for POLLIN.
  std::array<int, 2> fds() const;
  // Reads every notification waiting on `fd` (one of fds(), without
  // blocking); true if one concerned socketbox or some were lost (a full
  // socket buffer: then nothing is sure).
  bool take(int fd);

 private:
  struct Sockets;
  std::unique_ptr<Sockets> s_;
};

// Enters the named network namespace (/run/netns/NAME) for the lifetime of
// the object and returns to the original one on destruction. Throws
// NetcfgError with a clear message if it does not exist.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& name);  // empty name = stay
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  UniqueFd original_fd_;
};

// Differences between the directory on disk and the layout; empty = none.
std::vector<std::string> socketdir_drift(const SocketDir& dir);
// Creates the directory (and a 2755 root:access_group parent if missing) or
// repairs its ownership, mode and ACL. Throws NetcfgError.
void ensure_socketdir(const SocketDir& dir);

}  // namespace socketbox::netcfg

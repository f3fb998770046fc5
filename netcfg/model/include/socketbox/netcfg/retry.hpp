// Retrying a read-diff-commit step when another tool commits in between
// (ConcurrentChange): bounded attempts, growing jittered waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

// How apply() retries when another tool commits to nftables between its
// reading the kernel and its commit (the kernel refuses the batch then).
struct RetryPolicy {
  int attempts = 8;
  // The wait before attempt n >= 2 is random in [cap/2, cap],
  // cap = min(first_wait * 2^(n-2), max_wait).
  std::chrono::milliseconds first_wait{10};
  std::chrono::milliseconds max_wait{100};
  // Waits between attempts; empty = std::this_thread::sleep_for (tests inject one).
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Another tool changed the kernel state between netcfg's reading it and its
// commit, and nothing was changed: read again and retry (run_with_retry).
class ConcurrentChange : public NetcfgError {
 public:
  using NetcfgError::NetcfgError;
};

// The wait before attempt `attempt` (2, 3, ...): a random time in
// [cap / 2, cap], cap = min(first_wait * 2^(attempt - 2), max_wait), picked
// by `random` (any 32-bit value).
std::chrono::milliseconds retry_wait(const RetryPolicy& policy, int attempt, std::uint32_t random);

// Runs `attempt` until it returns, at most policy.attempts times while it
// throws ConcurrentChange, waiting retry_wait() between tries through
// policy.sleep. Any other exception ends it at once. After the last attempt
// throws NetcfgError "the ruleset kept changing while applying: gave up
// after N attempts; another tool is writing nftables continuously".
void run_with_retry(const RetryPolicy& policy, const std::function<void()>& attempt);

}  // namespace socketbox::netcfg

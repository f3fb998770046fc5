#include "socketbox/netcfg/retry.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <thread>

#include "error.hpp"

namespace socketbox::netcfg {

std::chrono::milliseconds retry_wait(const RetryPolicy& policy, int attempt, std::uint32_t random) {
  using std::chrono::milliseconds;
  const milliseconds first = std::max(policy.first_wait, milliseconds(1));
  const milliseconds most = std::max(policy.max_wait, first);
  milliseconds cap = first;
  for (int i = 2; i < attempt && cap < most; ++i) cap *= 2;
  cap = std::min(cap, most);
  const auto low = cap.count() / 2;
  const auto span = static_cast<std::uint64_t>(cap.count() - low) + 1;
  return milliseconds(low + static_cast<milliseconds::rep>(random % span));
}

void run_with_retry(const RetryPolicy& policy, const std::function<void()>& attempt) {
  const int attempts = std::max(policy.attempts, 1);
  // Jitter keeps two retrying writers from meeting again in step.
  std::minstd_rand rng(std::random_device{}());
  for (int n = 1;; ++n) {
    try {
      attempt();
      return;
    } catch (const ConcurrentChange&) {
      if (n >= attempts) break;
    }
    const std::chrono::milliseconds wait =
        retry_wait(policy, n + 1, static_cast<std::uint32_t>(rng()));
    if (policy.sleep)
      policy.sleep(wait);
    else
      std::this_thread::sleep_for(wait);
  }
  throw_error("the ruleset kept changing while applying: gave up after " +
              std::to_string(attempts) +
              " attempts; another tool is writing nftables continuously");
}

}  // namespace socketbox::netcfg

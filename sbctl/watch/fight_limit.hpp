// sbctl watch's rule against fighting another tool: an object that keeps
// being removed or changed (`limit` times within `window`) is no longer
// restored, until reset() (a new generation, or watch restarting).
// Pure bookkeeping over the times it is told; no clock of its own.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace socketbox::sbctl {

class FightLimit {
 public:
  using Clock = std::chrono::steady_clock;

  FightLimit(int limit, std::chrono::seconds window) : limit_(limit), window_(window) {}

  struct Verdict {
    std::vector<std::string> restore;   // drifted objects still worth restoring
    std::vector<std::string> gave_up;   // objects given up on by this call
    std::vector<std::string> held_off;  // objects given up on earlier
  };

  // One drift seen at `now`: each object (a stable name, e.g. "nft table
  // inet socketbox") counts one removal. An object reaching `limit`
  // removals within `window` moves to gave_up and is never restored again.
  Verdict record(const std::vector<std::string>& objects, Clock::time_point now);

  bool given_up(const std::string& object) const { return given_up_.count(object) != 0; }
  const std::set<std::string>& given_up_objects() const { return given_up_; }
  int limit() const { return limit_; }
  std::chrono::seconds window() const { return window_; }

  void reset() {
    seen_.clear();
    given_up_.clear();
  }

 private:
  int limit_;
  std::chrono::seconds window_;
  std::map<std::string, std::deque<Clock::time_point>> seen_;
  std::set<std::string> given_up_;
};

// "gave up restoring nft table inet socketbox after 5 removals in 60 s"
std::string gave_up_text(const std::string& object, int limit, std::chrono::seconds window);

}  // namespace socketbox::sbctl

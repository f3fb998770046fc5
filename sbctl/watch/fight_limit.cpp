#include "watch/fight_limit.hpp"

namespace socketbox::sbctl {

FightLimit::Verdict FightLimit::record(const std::vector<std::string>& objects,
                                       Clock::time_point now) {
  Verdict v;
  for (const auto& o : objects) {
    if (given_up(o)) {
      v.held_off.push_back(o);
      continue;
    }
    auto& times = seen_[o];
    times.push_back(now);
    while (!times.empty() && now - times.front() >= window_) times.pop_front();
    if (limit_ > 0 && static_cast<int>(times.size()) >= limit_) {
      given_up_.insert(o);
      seen_.erase(o);
      v.gave_up.push_back(o);
    } else {
      v.restore.push_back(o);
    }
  }
  return v;
}

std::string gave_up_text(const std::string& object, int limit, std::chrono::seconds window) {
  return "gave up restoring " + object + " after " + std::to_string(limit) + " removals in " +
         std::to_string(window.count()) + " s";
}

}  // namespace socketbox::sbctl

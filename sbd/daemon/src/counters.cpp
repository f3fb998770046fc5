#include "counters.hpp"

#include "active_table.hpp"

namespace socketbox::daemon {

using socketbox::table::Action;
using socketbox::table::ActionKind;
using socketbox::table::Table;

void TargetCounters::count_failure(SendFailure f) noexcept {
  switch (f) {
    case SendFailure::Missing:
      ++missing;
      break;
    case SendFailure::Refused:
      ++refused;
      break;
    case SendFailure::Full:
      ++full;
      break;
    case SendFailure::Other:
      ++other;
      break;
  }
}

void TargetCounters::add(const TargetCounters& o) noexcept {
  sent += o.sent;
  missing += o.missing;
  refused += o.refused;
  full += o.full;
  other += o.other;
}

namespace {

template <class Map>
void fold_retired(Map& m, TargetCounters& into, std::uint64_t& count) {
  for (auto it = m.begin(); it != m.end();) {
    if (it->second.in_table) {
      ++it;
      continue;
    }
    into.add(it->second);
    ++count;
    it = m.erase(it);
  }
}

}  // namespace

std::vector<TargetCounters*> CounterRegistry::bind(const Table& table) {
  for (auto& [path, c] : by_path_) c.in_table = false;
  for (auto& [fd, c] : by_fd_) c.in_table = false;
  std::vector<TargetCounters*> out;
  out.reserve(table.targets.size());
  for (const auto& t : table.targets) {
    TargetCounters& c = by_path_[t.path];
    c.in_table = true;
    out.push_back(&c);
  }
  // jump-fd actions can be anywhere; find them all now so that the
  // per-connection path never inserts.
  for_each_action(table, [this](const Action& a) {
    if (a.kind == ActionKind::Fd) by_fd_[a.arg].in_table = true;
  });
  fold_retired(by_path_, retired_, retired_targets_);
  fold_retired(by_fd_, retired_, retired_targets_);
  return out;
}

TargetCounters* CounterRegistry::for_fd(std::uint32_t fd) noexcept {
  const auto it = by_fd_.find(fd);
  return it == by_fd_.end() ? nullptr : &it->second;
}

}  // namespace socketbox::daemon

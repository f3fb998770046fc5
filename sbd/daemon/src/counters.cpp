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
  failovers += o.failovers;
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
  ++layout_;
  for (auto& [path, c] : by_path_) c.in_table = false;
  std::vector<TargetCounters*> out;
  out.reserve(table.targets.size());
  for (const auto& t : table.targets) {
    TargetCounters& c = by_path_[t.path];
    c.in_table = true;
    out.push_back(&c);
  }
  fold_retired(by_path_, retired_, retired_targets_);
  bind_fds(table);
  return out;
}

void CounterRegistry::bind_fds(const Table& table) {
  // jump-fd actions can be anywhere; find them all now so that the
  // per-connection path never inserts. (Few: done on the loop.)
  for (auto& [fd, c] : by_fd_) c.in_table = false;
  for_each_action(table, [this](const Action& a) {
    if (a.kind == ActionKind::Fd) by_fd_[a.arg].in_table = true;
  });
  fold_retired(by_fd_, retired_, retired_targets_);
}

PreparedCounters CounterRegistry::prepare(const Table& table) const {
  PreparedCounters p;
  p.layout = layout_;
  p.bound.reserve(table.targets.size());
  for (const auto& t : table.targets) {
    // Targets are distinct paths (the parser interns them).
    TargetCounters& c = p.by_path[t.path];
    c.in_table = true;
    p.bound.push_back(&c);
  }
  // Walk both maps in key order: carried or retired, in one linear pass.
  auto n = p.by_path.begin();
  for (const auto& [path, c] : by_path_) {
    while (n != p.by_path.end() && n->first < path) ++n;
    if (n != p.by_path.end() && n->first == path)
      p.carry.emplace_back(&n->second, &c);
    else
      p.retire.push_back(&c);
  }
  return p;
}

std::vector<TargetCounters*> CounterRegistry::adopt(const Table& table, PreparedCounters&& p,
                                                    std::map<std::string, TargetCounters>& old) {
  if (p.layout != layout_) return bind(table);
  ++layout_;
  for (auto& [to, from] : p.carry) to->add(*from);
  for (const TargetCounters* c : p.retire) {
    retired_.add(*c);
    ++retired_targets_;
  }
  old = std::move(by_path_);
  by_path_ = std::move(p.by_path);  // node addresses (p.bound) stay valid
  bind_fds(table);
  return std::move(p.bound);
}

TargetCounters* CounterRegistry::for_fd(std::uint32_t fd) noexcept {
  const auto it = by_fd_.find(fd);
  return it == by_fd_.end() ? nullptr : &it->second;
}

}  // namespace socketbox::daemon

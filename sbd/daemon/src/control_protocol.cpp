#include "control_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "metrics.hpp"
namespace socketbox::daemon {

namespace {

using control::ErrorAnswer;
using control::ErrorKind;

control::FailedCounts failed_counts(const TargetCounters& c) {
  return {c.missing, c.refused, c.full, c.other};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// One target of the registry: a path, or an inherited fd (path == nullptr).
struct Entry {
  const std::string* path;
  std::uint32_t fd;
  const TargetCounters* c;
};

// Every target in the registry's order: paths (sorted), then fds.
std::vector<Entry> entries(const CounterRegistry& r) {
  std::vector<Entry> out;
  out.reserve(r.size());
  for (const auto& [path, c] : r.paths()) out.push_back({&path, 0, &c});
  for (const auto& [fd, c] : r.fds()) out.push_back({nullptr, fd, &c});
  return out;
}

control::TargetStatus target_status(const Entry& e) {
  control::TargetStatus t;
  if (e.path)
    t.path = *e.path;
  else
    t.fd = e.fd;
  t.sent = e.c->sent;
  t.failed = failed_counts(*e.c);
  t.failovers = e.c->failovers;
  t.in_table = e.c->in_table;
  return t;
}

std::vector<control::TargetStatus> target_list(const std::vector<Entry>& es) {
  std::vector<control::TargetStatus> out;
  out.reserve(es.size());
  for (const Entry& e : es) out.push_back(target_status(e));
  return out;
}

std::string error_answer(ErrorKind kind, std::string message) {
  return control::to_line(ErrorAnswer{kind, std::move(message)});
}

bool parse_count(std::string_view s, std::uint64_t& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::string_view next_word(std::string_view& s) {
  s = trim(s);
  const std::size_t sp = s.find_first_of(" \t");
  const std::string_view w = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view() : s.substr(sp);
  return w;
}

std::string status_target(const CounterRegistry* r, std::string_view name) {
  if (r) {
    std::uint64_t fd = 0;
    if (name.rfind("fd:", 0) == 0 && parse_count(name.substr(3), fd) && fd <= 0xffffffffu) {
      const auto it = r->fds().find(static_cast<std::uint32_t>(fd));
      if (it != r->fds().end())
        return control::to_line(control::TargetAnswer{
            target_status({nullptr, static_cast<std::uint32_t>(fd), &it->second})});
    } else {
      const auto it = r->paths().find(std::string(name));
      if (it != r->paths().end())
        return control::to_line(control::TargetAnswer{target_status({&it->first, 0, &it->second})});
    }
  }
  return error_answer(ErrorKind::NoSuchTarget,
                      "no target '" + std::string(name.substr(0, 128)) + "' in sbd's table");
}

std::string status_page(const CounterRegistry* r, std::string_view args) {
  std::uint64_t offset = 0, count = 0;
  const std::string_view a = next_word(args), b = next_word(args);
  if (!parse_count(a, offset) || !parse_count(b, count) || !trim(args).empty())
    return error_answer(ErrorKind::BadArguments, "usage: status targets OFFSET COUNT");
  count = std::min<std::uint64_t>(count, kStatusPage);
  std::vector<Entry> es = r ? entries(*r) : std::vector<Entry>{};
  const std::uint64_t total = es.size();
  const std::uint64_t from = std::min(offset, total);
  const std::uint64_t to = std::min(total, from + count);
  const std::vector<Entry> page(es.begin() + static_cast<std::ptrdiff_t>(from),
                                es.begin() + static_cast<std::ptrdiff_t>(to));
  return control::to_line(control::StatusPageAnswer{total, from, to < total, target_list(page)});
}

}  // namespace

control::StatusAnswer status_answer(const StatusInfo& s) {
  control::StatusAnswer a;
  a.listen = s.listen;
  a.table = s.table;
  a.generation = s.generation;
  a.uptime_s = s.uptime_s;
  a.pid = s.pid;
  a.reloading = s.reloading;
  a.event_loop = s.event_loop;
  if (s.counters) {
    const ConnectionCounters& c = s.counters->connections;
    a.connections = {c.accepted, c.dispatched, c.no_match, c.failed, c.accept_backoffs};
    a.retired = {s.counters->retired_targets(), s.counters->retired().sent,
                 failed_counts(s.counters->retired())};
  }
  std::vector<Entry> es = s.counters ? entries(*s.counters) : std::vector<Entry>{};
  const std::size_t total = es.size();
  if (es.size() > kStatusTop) {
    // The busiest targets, shown in the usual (path) order.
    const auto busier = [](const Entry& x, const Entry& y) {
      const std::uint64_t m = x.c->sent + x.c->failed(), n = y.c->sent + y.c->failed();
      if (m != n) return m > n;
      return x.c < y.c;  // any fixed order; addresses follow path order in a std::map
    };
    std::nth_element(es.begin(), es.begin() + kStatusTop, es.end(), busier);
    es.resize(kStatusTop);
    std::sort(es.begin(), es.end(), [](const Entry& x, const Entry& y) {
      if ((x.path == nullptr) != (y.path == nullptr)) return x.path != nullptr;
      return x.path ? *x.path < *y.path : x.fd < y.fd;
    });
  }
  a.targets_total = total;
  a.truncated = total > es.size();
  a.targets = target_list(es);
  a.listeners = s.listeners;
  return a;
}

std::string format_status(const StatusInfo& s) { return control::to_line(status_answer(s)); }

ControlAnswer answer_command(std::string_view line, ControlHandler& h, UniqueFd fd) {
  std::string_view rest = trim(line);
  const std::string_view cmd = next_word(rest);
  rest = trim(rest);
  if ((cmd == "status" || cmd == "counters") && rest.empty()) return {format_status(h.status())};
  if (cmd == "status") {
    const std::string_view sub = next_word(rest);
    if (sub == "target" && !trim(rest).empty())
      return {status_target(h.status().counters, trim(rest))};
    if (sub == "targets") return {status_page(h.status().counters, rest)};
    return {error_answer(ErrorKind::BadArguments,
                         "usage: status [target PATH | targets OFFSET COUNT]")};
  }
  if (cmd == "metrics" && rest.empty()) return {format_metrics(h.status())};
  if (cmd == "reload" && rest.empty()) {
    ReloadRequest r = h.reload();
    if (r.ticket != 0) return {{}, r.ticket};
    return {control::to_line(r.outcome)};
  }
  if (cmd == "listener") {
    if (!rest.empty())
      return {error_answer(ErrorKind::BadArguments,
                           "usage: listener (with one listening socket attached); it takes no "
                           "arguments")};
    if (!fd)
      return {error_answer(ErrorKind::BadArguments, "listener needs a listening socket attached")};
    const ListenerResult r = h.listener(std::move(fd));
    if (!r.error.empty()) return {error_answer(ErrorKind::BadArguments, r.error)};
    return {control::to_line(control::ListenerAnswer{r.port})};
  }
  // Any descriptor that came with another command is closed here (fd).
  return {error_answer(ErrorKind::UnknownCommand,
                       "unknown command '" + std::string(trim(line).substr(0, 64)) +
                           "': expected status, counters, metrics, reload or listener")};
}

ControlAnswer ControlHandler::answer_line(std::string_view line) {
  return answer_command(line, *this);
}

ControlAnswer ControlHandler::answer_line_with_fd(std::string_view line, UniqueFd fd) {
  return answer_command(line, *this, std::move(fd));
}

}  // namespace socketbox::daemon

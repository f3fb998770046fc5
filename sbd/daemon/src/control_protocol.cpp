#include "control_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "metrics.hpp"
#include "socketbox/json_quote.hpp"

namespace socketbox::daemon {

namespace {

void field(std::string& out, const char* name, std::uint64_t v, bool comma = true) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
  if (comma) out += ',';
}

void failed_counters(std::string& out, const TargetCounters& c) {
  field(out, "sent", c.sent);
  out += "\"failed\":{";
  field(out, "missing", c.missing);
  field(out, "refused", c.refused);
  field(out, "full", c.full);
  field(out, "other", c.other, false);
  out += '}';
}

void target_counters(std::string& out, const TargetCounters& c) {
  failed_counters(out, c);
  out += ",\"in_table\":";
  out += c.in_table ? "true" : "false";
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

void entry(std::string& out, const Entry& e) {
  if (e.path) {
    out += "{\"path\":";
    json_escape(out, *e.path);
  } else {
    out += "{\"fd\":" + std::to_string(e.fd);
  }
  out += ',';
  target_counters(out, *e.c);
  out += '}';
}

void entry_list(std::string& out, const std::vector<Entry>& es) {
  out += "\"targets\":[";
  for (std::size_t i = 0; i < es.size(); ++i) {
    if (i) out += ',';
    entry(out, es[i]);
  }
  out += ']';
}

std::string error_answer(std::string message) {
  ReloadOutcome bad;
  bad.error = std::move(message);
  return format_reload(bad);
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
  const TargetCounters* c = nullptr;
  std::string out = "{\"target\":";
  if (r) {
    std::uint64_t fd = 0;
    if (name.rfind("fd:", 0) == 0 && parse_count(name.substr(3), fd) && fd <= 0xffffffffu) {
      const auto it = r->fds().find(static_cast<std::uint32_t>(fd));
      if (it != r->fds().end()) {
        c = &it->second;
        entry(out, {nullptr, static_cast<std::uint32_t>(fd), c});
      }
    } else {
      const auto it = r->paths().find(std::string(name));
      if (it != r->paths().end()) {
        c = &it->second;
        entry(out, {&it->first, 0, c});
      }
    }
  }
  if (!c)
    return error_answer("no target '" + std::string(name.substr(0, 128)) + "' in sbd's table");
  out += '}';
  return out;
}

std::string status_page(const CounterRegistry* r, std::string_view args) {
  std::uint64_t offset = 0, count = 0;
  const std::string_view a = next_word(args), b = next_word(args);
  if (!parse_count(a, offset) || !parse_count(b, count) || !trim(args).empty())
    return error_answer("usage: status targets OFFSET COUNT");
  count = std::min<std::uint64_t>(count, kStatusPage);
  std::vector<Entry> es = r ? entries(*r) : std::vector<Entry>{};
  const std::uint64_t total = es.size();
  const std::uint64_t from = std::min(offset, total);
  const std::uint64_t to = std::min(total, from + count);
  std::vector<Entry> page(es.begin() + static_cast<std::ptrdiff_t>(from),
                          es.begin() + static_cast<std::ptrdiff_t>(to));
  std::string out = "{";
  field(out, "targets_total", total);
  field(out, "offset", from);
  out += "\"truncated\":";
  out += to < total ? "true," : "false,";
  entry_list(out, page);
  out += '}';
  return out;
}

}  // namespace

std::string format_status(const StatusInfo& s) {
  std::string out = "{\"listen\":";
  json_escape(out, s.listen);
  out += ",\"table\":";
  json_escape(out, s.table);
  out += ',';
  field(out, "generation", s.generation);
  field(out, "uptime_s", s.uptime_s);
  field(out, "pid", static_cast<std::uint64_t>(s.pid));
  out += "\"reloading\":";
  out += s.reloading ? "true," : "false,";
  out += "\"connections\":{";
  if (s.counters) {
    const ConnectionCounters& c = s.counters->connections;
    field(out, "accepted", c.accepted);
    field(out, "dispatched", c.dispatched);
    field(out, "no_match", c.no_match);
    field(out, "failed", c.failed);
    field(out, "accept_backoffs", c.accept_backoffs, false);
  }
  out += "},\"retired\":{";
  if (s.counters) {
    field(out, "targets", s.counters->retired_targets());
    failed_counters(out, s.counters->retired());
  } else {
    out += "\"targets\":0";
  }
  out += "},";
  std::vector<Entry> es = s.counters ? entries(*s.counters) : std::vector<Entry>{};
  const std::size_t total = es.size();
  if (es.size() > kStatusTop) {
    // The busiest targets, shown in the usual (path) order.
    const auto busier = [](const Entry& a, const Entry& b) {
      const std::uint64_t x = a.c->sent + a.c->failed(), y = b.c->sent + b.c->failed();
      if (x != y) return x > y;
      return a.c < b.c;  // any fixed order; addresses follow path order in a std::map
    };
    std::nth_element(es.begin(), es.begin() + kStatusTop, es.end(), busier);
    es.resize(kStatusTop);
    std::sort(es.begin(), es.end(), [](const Entry& a, const Entry& b) {
      if ((a.path == nullptr) != (b.path == nullptr)) return a.path != nullptr;
      return a.path ? *a.path < *b.path : a.fd < b.fd;
    });
  }
  field(out, "targets_total", total);
  out += "\"truncated\":";
  out += total > es.size() ? "true," : "false,";
  entry_list(out, es);
  out += '}';
  return out;
}

std::string format_reload(const ReloadOutcome& r) {
  if (r.ok) return "{\"ok\":true,\"generation\":" + std::to_string(r.generation) + "}";
  return "{\"ok\":false,\"error\":" + json_quote(r.error) + "}";
}

ControlAnswer answer_command(std::string_view line, ControlHandler& h) {
  std::string_view rest = trim(line);
  const std::string_view cmd = next_word(rest);
  rest = trim(rest);
  if ((cmd == "status" || cmd == "counters") && rest.empty()) return {format_status(h.status())};
  if (cmd == "status") {
    const std::string_view sub = next_word(rest);
    if (sub == "target" && !trim(rest).empty())
      return {status_target(h.status().counters, trim(rest))};
    if (sub == "targets") return {status_page(h.status().counters, rest)};
    return {error_answer("usage: status [target PATH | targets OFFSET COUNT]")};
  }
  if (cmd == "metrics" && rest.empty()) return {format_metrics(h.status())};
  if (cmd == "reload" && rest.empty()) {
    ReloadRequest r = h.reload();
    if (r.ticket != 0) return {{}, r.ticket};
    return {format_reload(r.outcome)};
  }
  return {error_answer("unknown command '" + std::string(trim(line).substr(0, 64)) +
                       "': expected status, counters, metrics or reload")};
}

ControlAnswer ControlHandler::answer_line(std::string_view line) {
  return answer_command(line, *this);
}

}  // namespace socketbox::daemon

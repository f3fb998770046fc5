#include "control_protocol.hpp"

#include "json.hpp"

namespace socketbox::daemon {

namespace {

void field(std::string& out, const char* name, std::uint64_t v, bool comma = true) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
  if (comma) out += ',';
}

void target_counters(std::string& out, const TargetCounters& c) {
  field(out, "sent", c.sent);
  out += "\"failed\":{";
  field(out, "missing", c.missing);
  field(out, "refused", c.refused);
  field(out, "full", c.full);
  field(out, "other", c.other, false);
  out += "},\"in_table\":";
  out += c.in_table ? "true" : "false";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
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
  out += "\"connections\":{";
  if (s.counters) {
    const ConnectionCounters& c = s.counters->connections;
    field(out, "accepted", c.accepted);
    field(out, "dispatched", c.dispatched);
    field(out, "no_match", c.no_match);
    field(out, "failed", c.failed);
    field(out, "accept_backoffs", c.accept_backoffs, false);
  }
  out += "},\"targets\":[";
  bool first = true;
  if (s.counters) {
    for (const auto& [path, c] : s.counters->paths()) {
      if (!first) out += ',';
      first = false;
      out += "{\"path\":";
      json_escape(out, path);
      out += ',';
      target_counters(out, c);
      out += '}';
    }
    for (const auto& [fd, c] : s.counters->fds()) {
      if (!first) out += ',';
      first = false;
      out += "{\"fd\":" + std::to_string(fd) + ',';
      target_counters(out, c);
      out += '}';
    }
  }
  out += "]}";
  return out;
}

std::string format_reload(const ReloadOutcome& r) {
  if (r.ok) return "{\"ok\":true,\"generation\":" + std::to_string(r.generation) + "}";
  return "{\"ok\":false,\"error\":" + json_quote(r.error) + "}";
}

std::string answer_command(std::string_view line, ControlHandler& h) {
  const std::string_view cmd = trim(line);
  if (cmd == "status" || cmd == "counters") return format_status(h.status());
  if (cmd == "reload") return format_reload(h.reload());
  ReloadOutcome bad;
  bad.error = "unknown command '" + std::string(cmd.substr(0, 64)) +
              "': expected status, counters or reload";
  return format_reload(bad);
}

std::string ControlHandler::answer_line(std::string_view line) {
  return answer_command(line, *this);
}

}  // namespace socketbox::daemon

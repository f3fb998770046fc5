// The control protocol's messages as JSON (nlohmann::ordered_json, so the
// wire keeps the field order of the structs). Every from_json is strict: see
// Field below.
#include "socketbox/control_protocol.hpp"

#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

namespace socketbox::control {

using Json = nlohmann::ordered_json;

namespace {

// A missing or mistyped field, named by its path in the answer; the
// enclosing field's name is put in front as it passes up.
struct FieldError {
  std::string path;  // "connections.accepted", "targets[2].fd"
  bool missing;      // else: of the wrong type
  const char* expected;
};

template <class T>
const char* type_word();
template <>
const char* type_word<std::uint64_t>() {
  return "an unsigned integer";
}
template <>
const char* type_word<std::uint32_t>() {
  return "an unsigned integer";
}
template <>
const char* type_word<std::uint16_t>() {
  return "an unsigned integer below 65536";
}
template <>
const char* type_word<std::int64_t>() {
  return "an integer";
}
template <>
const char* type_word<bool>() {
  return "true or false";
}
template <>
const char* type_word<std::string>() {
  return "a string";
}

template <class T>
bool has_type(const Json& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string();
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return v.is_number_integer();
  } else {
    static_assert(std::is_unsigned_v<T>);
    return v.is_number_unsigned() &&
           v.template get<std::uint64_t>() <= std::numeric_limits<T>::max();
  }
}

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

// Converts one value: a scalar checked for its type, a message by its
// from_json, a vector element by element.
template <class T>
void convert_value(const Json& v, T& out) {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::string> ||
                std::is_integral_v<T>) {
    if (!has_type<T>(v)) throw FieldError{"", false, type_word<T>()};
    out = v.template get<T>();
  } else if constexpr (IsVector<T>::value) {
    if (!v.is_array()) throw FieldError{"", false, "an array"};
    out.clear();
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      try {
        convert_value(v[i], out.emplace_back());
      } catch (FieldError& e) {
        e.path = "[" + std::to_string(i) + "]" + (e.path.empty() || e.path[0] == '[' ? "" : ".") +
                 e.path;
        throw;
      }
    }
  } else {
    if (!v.is_object()) throw FieldError{"", false, "an object"};
    from_json(v, out);
  }
}

// Reads field `name` of object `j` into out; a FieldError names it.
template <class T>
void field(const Json& j, const char* name, T& out) {
  const auto it = j.find(name);
  if (it == j.end()) throw FieldError{name, true, nullptr};
  try {
    convert_value(*it, out);
  } catch (FieldError& e) {
    e.path = name + std::string(e.path.empty() || e.path[0] == '[' ? "" : ".") + e.path;
    throw;
  }
}

}  // namespace

// --- to_json / from_json, found by ADL (nlohmann's adl_serializer) ---------

void to_json(Json& j, const FailedCounts& c) {
  j = Json{{"missing", c.missing}, {"refused", c.refused}, {"full", c.full}, {"other", c.other}};
}
void from_json(const Json& j, FailedCounts& c) {
  field(j, "missing", c.missing);
  field(j, "refused", c.refused);
  field(j, "full", c.full);
  field(j, "other", c.other);
}

void to_json(Json& j, const TargetStatus& t) {
  j = Json::object();
  if (t.fd)
    j["fd"] = *t.fd;
  else
    j["path"] = t.path;
  j["sent"] = t.sent;
  j["failed"] = t.failed;
  j["failovers"] = t.failovers;
  j["in_table"] = t.in_table;
}
void from_json(const Json& j, TargetStatus& t) {
  if (j.contains("fd")) {
    std::uint32_t fd = 0;
    field(j, "fd", fd);
    t.fd = fd;
    t.path.clear();
  } else {
    t.fd.reset();
    field(j, "path", t.path);
  }
  field(j, "sent", t.sent);
  field(j, "failed", t.failed);
  field(j, "failovers", t.failovers);
  field(j, "in_table", t.in_table);
}

void to_json(Json& j, const ConnectionCounts& c) {
  j = Json{{"accepted", c.accepted},
           {"dispatched", c.dispatched},
           {"no_match", c.no_match},
           {"failed", c.failed},
           {"accept_backoffs", c.accept_backoffs}};
}
void from_json(const Json& j, ConnectionCounts& c) {
  field(j, "accepted", c.accepted);
  field(j, "dispatched", c.dispatched);
  field(j, "no_match", c.no_match);
  field(j, "failed", c.failed);
  field(j, "accept_backoffs", c.accept_backoffs);
}

void to_json(Json& j, const RetiredCounts& r) {
  j = Json{{"targets", r.targets}, {"sent", r.sent}, {"failed", r.failed}};
}
void from_json(const Json& j, RetiredCounts& r) {
  field(j, "targets", r.targets);
  field(j, "sent", r.sent);
  field(j, "failed", r.failed);
}

void to_json(Json& j, const ListenerStatus& l) {
  j = Json{{"port", l.port},
           {"path", l.path},
           {"held", l.held},
           {"delivered", l.delivered},
           {"last_error", l.last_error}};
}
void from_json(const Json& j, ListenerStatus& l) {
  field(j, "port", l.port);
  field(j, "path", l.path);
  field(j, "held", l.held);
  field(j, "delivered", l.delivered);
  field(j, "last_error", l.last_error);
}

void to_json(Json& j, const StatusAnswer& s) {
  j = Json{{"listen", s.listen},
           {"table", s.table},
           {"generation", s.generation},
           {"uptime_s", s.uptime_s},
           {"pid", s.pid},
           {"reloading", s.reloading},
           {"event_loop", s.event_loop},
           {"connections", s.connections},
           {"retired", s.retired},
           {"targets_total", s.targets_total},
           {"truncated", s.truncated},
           {"targets", s.targets},
           {"listeners", s.listeners}};
}
void from_json(const Json& j, StatusAnswer& s) {
  field(j, "listen", s.listen);
  field(j, "table", s.table);
  field(j, "generation", s.generation);
  field(j, "uptime_s", s.uptime_s);
  field(j, "pid", s.pid);
  field(j, "reloading", s.reloading);
  if (j.contains("event_loop")) field(j, "event_loop", s.event_loop);  // sbd 0.1 had none
  field(j, "connections", s.connections);
  field(j, "retired", s.retired);
  field(j, "targets_total", s.targets_total);
  field(j, "truncated", s.truncated);
  field(j, "targets", s.targets);
  field(j, "listeners", s.listeners);
}

void to_json(Json& j, const StatusPageAnswer& p) {
  j = Json{{"targets_total", p.targets_total},
           {"offset", p.offset},
           {"truncated", p.truncated},
           {"targets", p.targets}};
}
void from_json(const Json& j, StatusPageAnswer& p) {
  field(j, "targets_total", p.targets_total);
  field(j, "offset", p.offset);
  field(j, "truncated", p.truncated);
  field(j, "targets", p.targets);
}

void to_json(Json& j, const TargetAnswer& a) { j = Json{{"target", a.target}}; }
void from_json(const Json& j, TargetAnswer& a) { field(j, "target", a.target); }

void to_json(Json& j, const ReloadAnswer& r) {
  if (r.ok)
    j = Json{{"ok", true}, {"generation", r.generation}};
  else
    j = Json{{"ok", false}, {"error", r.error}};
}
void from_json(const Json& j, ReloadAnswer& r) {
  field(j, "ok", r.ok);
  r.generation = 0;
  r.error.clear();
  if (r.ok)
    field(j, "generation", r.generation);
  else
    field(j, "error", r.error);
}

void to_json(Json& j, const ListenerAnswer& a) { j = Json{{"ok", true}, {"port", a.port}}; }
void from_json(const Json& j, ListenerAnswer& a) {
  bool ok = false;
  field(j, "ok", ok);
  if (!ok) throw FieldError{"ok", false, "true"};
  field(j, "port", a.port);
}

std::string_view to_word(ErrorKind k) noexcept {
  switch (k) {
    case ErrorKind::UnknownCommand:
      return "unknown_command";
    case ErrorKind::BadArguments:
      return "bad_arguments";
    case ErrorKind::CommandTooLong:
      return "command_too_long";
    case ErrorKind::NoSuchTarget:
      return "no_such_target";
  }
  return "unknown_command";
}

void to_json(Json& j, const ErrorAnswer& e) {
  j = Json{{"ok", false}, {"error", e.error}, {"kind", to_word(e.kind)}};
}
void from_json(const Json& j, ErrorAnswer& e) {
  bool ok = true;
  field(j, "ok", ok);
  if (ok) throw FieldError{"ok", false, "false"};
  field(j, "error", e.error);
  std::string kind;
  field(j, "kind", kind);
  for (const ErrorKind k : {ErrorKind::UnknownCommand, ErrorKind::BadArguments,
                            ErrorKind::CommandTooLong, ErrorKind::NoSuchTarget})
    if (kind == to_word(k)) {
      e.kind = k;
      return;
    }
  throw FieldError{"kind", false, "an error kind"};
}

void to_json(Json& j, const RelayEntryStatus& r) {
  j = Json{{"path", r.path},
           {"target", r.target},
           {"proxy", r.proxy},
           {"accepted", r.accepted},
           {"connected", r.connected},
           {"failed_connect", r.failed_connect},
           {"refused_over_limit", r.refused_over_limit},
           {"idle_timeouts", r.idle_timeouts},
           {"errors", r.errors},
           {"active", r.active},
           {"bytes_to_target", r.bytes_to_target},
           {"bytes_to_client", r.bytes_to_client}};
}
void from_json(const Json& j, RelayEntryStatus& r) {
  field(j, "path", r.path);
  field(j, "target", r.target);
  field(j, "proxy", r.proxy);
  field(j, "accepted", r.accepted);
  field(j, "connected", r.connected);
  field(j, "failed_connect", r.failed_connect);
  field(j, "refused_over_limit", r.refused_over_limit);
  field(j, "idle_timeouts", r.idle_timeouts);
  field(j, "errors", r.errors);
  field(j, "active", r.active);
  field(j, "bytes_to_target", r.bytes_to_target);
  field(j, "bytes_to_client", r.bytes_to_client);
}

void to_json(Json& j, const RelayStatusAnswer& s) {
  j = Json{{"pid", s.pid},
           {"uptime_s", s.uptime_s},
           {"generation", s.generation},
           {"reloads_failed", s.reloads_failed},
           {"active", s.active},
           {"max_connections", s.max_connections},
           {"relays", s.relays}};
}
void from_json(const Json& j, RelayStatusAnswer& s) {
  field(j, "pid", s.pid);
  field(j, "uptime_s", s.uptime_s);
  field(j, "generation", s.generation);
  field(j, "reloads_failed", s.reloads_failed);
  field(j, "active", s.active);
  field(j, "max_connections", s.max_connections);
  field(j, "relays", s.relays);
}

// --- lines --------------------------------------------------------------------

std::string TargetStatus::name() const { return fd ? "fd:" + std::to_string(*fd) : path; }

namespace {

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// The start of a line for an error message, without control characters.
std::string excerpt(std::string_view line) {
  std::string out;
  for (const char c : line.substr(0, 120)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (line.size() > 120) out += "...";
  return out;
}

Json parse_json(std::string_view line, std::string_view who) {
  try {
    Json j = Json::parse(line);
    if (!j.is_object()) throw ProtocolError("");
    return j;
  } catch (const std::exception&) {
    throw ProtocolError(std::string(who) + "'s answer is not a JSON object: '" + excerpt(line) +
                        "'");
  }
}

template <class T>
T from_object(const Json& j, std::string_view who) {
  T out;
  try {
    from_json(j, out);
  } catch (const FieldError& e) {
    if (e.missing) throw ProtocolError(std::string(who) + "'s answer lacks field '" + e.path + "'");
    throw ProtocolError(std::string(who) + "'s answer has field '" + e.path + "' that is not " +
                        e.expected);
  }
  return out;
}

}  // namespace

std::string to_line(const StatusAnswer& a) { return dump(a); }
std::string to_line(const StatusPageAnswer& a) { return dump(a); }
std::string to_line(const TargetAnswer& a) { return dump(a); }
std::string to_line(const ReloadAnswer& a) { return dump(a); }
std::string to_line(const ListenerAnswer& a) { return dump(a); }
std::string to_line(const ErrorAnswer& a) { return dump(a); }
std::string to_line(const RelayStatusAnswer& a) { return dump(a); }

template <class T>
T parse_answer(std::string_view line, std::string_view who) {
  const Json j = parse_json(line, who);
  if constexpr (!std::is_same_v<T, ErrorAnswer>) {
    if (j.contains("kind") && j.contains("ok"))
      throw RefusedError(from_object<ErrorAnswer>(j, who));
  }
  return from_object<T>(j, who);
}

template StatusAnswer parse_answer<StatusAnswer>(std::string_view, std::string_view);
template StatusPageAnswer parse_answer<StatusPageAnswer>(std::string_view, std::string_view);
template TargetAnswer parse_answer<TargetAnswer>(std::string_view, std::string_view);
template ReloadAnswer parse_answer<ReloadAnswer>(std::string_view, std::string_view);
template ListenerAnswer parse_answer<ListenerAnswer>(std::string_view, std::string_view);
template ErrorAnswer parse_answer<ErrorAnswer>(std::string_view, std::string_view);
template RelayStatusAnswer parse_answer<RelayStatusAnswer>(std::string_view, std::string_view);

std::optional<ErrorAnswer> error_in(std::string_view line) {
  try {
    return parse_answer<ErrorAnswer>(line);
  } catch (const ProtocolError&) {
    return std::nullopt;
  }
}

}  // namespace socketbox::control

// sbctl explain PROFILE ADDR PORT [--from ADDR] [--netns NAME] [--json]:
// which route takes the connection, the trace through the compiled table,
// and whether the kernel steers it to sbd at all.
#include "explain/explain.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "output/json_writer.hpp"
#include "output/style.hpp"
#include "output/text_table.hpp"
#include "socketbox/netcfg/kernel.hpp"

namespace socketbox::sbctl {
namespace {

struct KernelVerdict {
  bool checked = false;
  bool steered = false;
  std::string why;
};

KernelVerdict check_kernel(const ExplainOptions& o, const Profile& p, const table::Tuple& t) {
  KernelVerdict k;
  if (::geteuid() != 0) {
    k.why = "not checked (reading the kernel's nft state needs root)";
    return k;
  }
  try {
    netcfg::NetnsScope ns(pick_netns(o.netns, p.netns));
    const netcfg::KernelState state = netcfg::read_kernel_state();
    k.checked = true;
    k.steered = kernel_steers(state, t.local, t.lport, k.why);
  } catch (const std::exception& e) {
    k.why = std::string("not checked: ") + e.what();
  }
  return k;
}

// "sb-relay at PATH, then on to TARGET with PROXY v2" for a relay route.
std::string relay_text(const RouteTarget& t) {
  return "sb-relay at " + t.path + ", which connects on to " + t.relay_target +
         (t.proxy == "none" ? " without a PROXY header"
                            : " with PROXY " + t.proxy + " (the client's address in front)");
}

std::string bracket(const std::string& a) {
  return a.find(':') != std::string::npos ? "[" + a + "]" : a;
}

// "[2001:db8::1]:22" or "192.0.2.1:22" as one argument: address and port.
// Anything else is left for the address and port checks to judge.
void split_host_port(std::string& addr, std::string& port) {
  if (!port.empty()) return;
  if (addr.size() > 2 && addr[0] == '[') {
    const auto close = addr.find("]:");
    if (close == std::string::npos) return;
    port = addr.substr(close + 2);
    addr = addr.substr(1, close - 1);
  } else if (const auto colon = addr.find(':');
             colon != std::string::npos && addr.find(':', colon + 1) == std::string::npos) {
    port = addr.substr(colon + 1);
    addr = addr.substr(0, colon);
  }
}

// The connection asked about; nullopt after printing what is wrong.
std::optional<table::Tuple> parse_query(ExplainOptions& o) {
  split_host_port(o.addr, o.port);
  if (o.port.empty()) {
    print_error("explain needs a port: ADDR PORT, [ADDR]:PORT or A.B.C.D:PORT");
    return std::nullopt;
  }
  const auto local = table::parse_addr(o.addr);
  const auto remote = table::parse_addr(o.from);
  std::uint16_t port = 0;
  const auto [ptr, ec] = std::from_chars(o.port.data(), o.port.data() + o.port.size(), port);
  if (!local) {
    print_error("'" + o.addr + "' is not an IPv6 or IPv4 address");
    return std::nullopt;
  }
  if (!remote) {
    print_error("--from: '" + o.from + "' is not an IPv6 or IPv4 address");
    return std::nullopt;
  }
  if (ec != std::errc() || ptr != o.port.data() + o.port.size() || port == 0) {
    print_error("'" + o.port + "' is not a port number from 1 to 65535");
    return std::nullopt;
  }
  table::Tuple t;
  t.local = *local;
  t.remote = *remote;
  t.lport = port;
  t.rport = 40000;
  return t;
}

// Everything explain says, worked out once for both outputs.
struct Report {
  const ExplainOptions& o;
  const Profile& p;
  std::uint16_t port;
  Explanation e;
  KernelVerdict k;
  std::vector<std::string> trace;
  std::string route_text, steer_text;
  bool reaches_sbd = false;
  // The steer block's per-source limits, if any, and the source prefix the
  // client (--from) counts in.
  std::string limits_text, source_prefix;

  const Route* route() const { return e.route ? &p.routes[*e.route] : nullptr; }
};

Report make_report(const ExplainOptions& o, const LoadedProfile& l, const table::Tuple& t) {
  const Profile& p = l.profile;
  Report r{o,     p,  t.lport, explain(p, l.compiled, t), check_kernel(o, p, t), {}, {}, {},
           false, {}, {}};
  if (const Route* route = r.route())
    r.route_text = std::to_string(*r.e.route + 1) +
                   (route->name.empty() ? "" : " '" + route->name + "'") + " at " + p.source + ":" +
                   std::to_string(route->pos.line) + " -> " + route->to.str();
  if (r.e.steer) {
    const SteerBlock& b = p.steers[r.e.steer->block];
    r.steer_text = "[[steer]] at " + p.source + ":" + std::to_string(b.pos.line) + " (" +
                   b.prefixes[r.e.steer->prefix].net.str() + ", port " + b.ports.str() + ")";
    if (b.limits.any()) {
      r.limits_text = b.limits.str();
      const int len = t.remote.is_v4_mapped() ? 96 + b.limits.prefix4 : b.limits.prefix6;
      r.source_prefix = Prefix::of(t.remote, len).str();
    }
  }
  if (r.e.listener_port)
    r.steer_text = "its own listener route (nft TPROXY to [::ffff:127.0.0.1]:" +
                   std::to_string(r.e.listener_port) + ")";
  r.trace = describe_trace(p, l.compiled, r.e.trace);
  // What sbd would do matters only if the connection reaches it at all.
  r.reaches_sbd = r.e.steer.has_value() && (!r.k.checked || r.k.steered);
  return r;
}

void print_json(const Report& r) {
  JsonWriter w;
  w.begin_object()
      .key("dest")
      .value(r.o.addr)
      .key("port")
      .value(static_cast<std::int64_t>(r.port))
      .key("from")
      .value(r.o.from);
  w.key("route");
  if (const Route* route = r.route()) {
    w.begin_object()
        .key("index")
        .value(static_cast<std::int64_t>(*r.e.route + 1))
        .key("line")
        .value(static_cast<std::int64_t>(route->pos.line))
        .key("name")
        .value(route->name)
        .key("to")
        .value(route->to.str());
    if (!route->to.failover.empty()) {
      // The order sbd tries them in.
      w.key("failover").begin_array();
      for (const auto& f : route->to.failover) w.value("unix:" + f);
      w.end_array();
    }
    if (route->to.kind == RouteTarget::Kind::Relay)
      w.key("relay")
          .begin_object()
          .key("path")
          .value(route->to.path)
          .key("target")
          .value(route->to.relay_target)
          .key("proxy")
          .value(route->to.proxy)
          .key("control")
          .value(r.p.relay.control)
          .end_object();
    w.end_object();
  } else {
    w.null();
  }
  w.key("verdict").value(r.e.verdict);
  w.key("reaches_sbd").value(r.reaches_sbd);
  w.key("listener_port");
  if (r.e.listener_port)
    w.value(static_cast<std::int64_t>(r.e.listener_port));
  else
    w.null();
  w.key("trace").begin_array();
  for (const auto& s : r.trace) w.value(s);
  w.end_array();
  w.key("steered_by_profile").value(r.e.steer.has_value() || r.e.listener_port != 0);
  w.key("limits");
  if (r.limits_text.empty())
    w.null();
  else
    w.begin_object()
        .key("text")
        .value(r.limits_text)
        .key("source_prefix")
        .value(r.source_prefix)
        .end_object();
  w.key("kernel")
      .begin_object()
      .key("checked")
      .value(r.k.checked)
      .key("steered")
      .value(r.k.steered)
      .key("detail")
      .value(r.k.why)
      .end_object();
  w.end_object();
  std::printf("%s\n", w.str().c_str());
}

// Where sbd sends it, in words: a failover list ("unix-any:/a,/b") as the
// ordered list it tries.
std::string destination(const std::string& v) {
  constexpr std::string_view kAny = "unix-any:";
  if (v.rfind(kAny, 0) != 0) return v;
  std::string out = "the first that takes it of ";
  for (std::size_t start = kAny.size(), n = 1;; ++n) {
    const std::size_t end = std::min(v.find(',', start), v.size());
    out += std::to_string(n) + ". unix:" + v.substr(start, end - start);
    if (end == v.size()) return out;
    out += ", ";
    start = end + 1;
  }
}

Cell verdict_cell(const Report& r) {
  if (r.e.listener_port) {
    const std::string hold = "the listening socket on port " + std::to_string(r.e.listener_port) +
                             ", which the server at unix:" + r.route()->to.path +
                             " holds and accepts from (sbd never sees it)";
    if (r.k.checked && !r.k.steered)
      return Cell("the kernel does not steer this to " + hold, Color::Red);
    return Cell("nft hands it to " + hold, Color::Green);
  }
  const std::string v = destination(r.e.verdict);
  if (!r.reaches_sbd)
    return Cell(
        "the kernel does not steer this to sbd: sbd never sees it (were it steered, sbd "
        "would " +
            (v == "closed" ? std::string("close it") : "send it to " + v) + ")",
        Color::Red);
  return Cell(v == "closed" ? "sbd closes the connection" : "sbd sends it to " + v,
              v == "closed" ? Color::Yellow : Color::Green);
}

void print_text(const Report& r) {
  std::printf("connection to %s:%u from %s\n", bracket(r.o.addr).c_str(), r.port,
              r.o.from == "::" ? "[::] (no --from given)" : bracket(r.o.from).c_str());
  TextTable tt;
  if (const Route* route = r.route()) {
    const bool rejected = route->to.kind == RouteTarget::Kind::Reject;
    tt.add({"route", Cell(r.route_text, rejected ? Color::Yellow : Color::Green)});
  } else {
    tt.add({"route", Cell("none matches (first match wins; no match closes the connection)",
                          Color::Yellow)});
  }
  tt.add({"verdict", verdict_cell(r)});
  if (const Route* route = r.route(); route && route->to.kind == RouteTarget::Kind::Relay)
    tt.add({"relay", Cell(relay_text(route->to), Color::Green)});
  for (std::size_t i = 0; i < r.trace.size(); ++i) tt.add({i == 0 ? "table" : "", r.trace[i]});
  tt.add({"profile",
          r.e.steer || r.e.listener_port
              ? Cell("steered by " + r.steer_text, Color::Green)
              : Cell("NOT steered: no [[steer]] block covers this address and port", Color::Red)});
  if (!r.limits_text.empty())
    tt.add({"limits", r.limits_text + "; this client counts as source " + r.source_prefix +
                          (r.o.from == "::" ? " (give --from for the real one)" : "")});
  tt.add({"kernel", !r.k.checked ? Cell(r.k.why, Color::Dim)
                                 : Cell((r.k.steered ? "steered: " : "NOT steered: ") + r.k.why,
                                        r.k.steered ? Color::Green : Color::Red)});
  std::fputs(tt.render(out_style(), "  ").c_str(), stdout);
}

int run(ExplainOptions o) {
  const auto t = parse_query(o);
  if (!t) return kExitError;
  const LoadedProfile l = load_profile_checked(o.profile, false);
  const Report r = make_report(o, l, *t);
  if (o.json) {
    print_json(r);
    return r.e.agrees ? kExitOk : kExitError;
  }
  print_text(r);
  if (!r.e.agrees) {
    print_error("internal error: the compiled table (" + r.e.verdict +
                ") disagrees with the route list");
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int run_explain(const ExplainOptions& o) { return run(o); }

}  // namespace socketbox::sbctl

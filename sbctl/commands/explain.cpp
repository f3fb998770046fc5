// sbctl explain PROFILE ADDR PORT [--from ADDR] [--netns NAME] [--json]:
// which route takes the connection, the trace through the compiled table,
// and whether the kernel steers it to sbd at all.
#include "explain/explain.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "output/json_writer.hpp"
#include "output/style.hpp"
#include "output/text_table.hpp"

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

int run(ExplainOptions o) {
  split_host_port(o.addr, o.port);
  if (o.port.empty()) {
    print_error("explain needs a port: ADDR PORT, [ADDR]:PORT or A.B.C.D:PORT");
    return kExitError;
  }
  const LoadedProfile l = load_profile_checked(o.profile, false);
  const Profile& p = l.profile;
  table::Tuple t;
  const auto local = table::parse_addr(o.addr);
  const auto remote = table::parse_addr(o.from);
  std::uint16_t port = 0;
  const auto [ptr, ec] = std::from_chars(o.port.data(), o.port.data() + o.port.size(), port);
  if (!local) {
    print_error("'" + o.addr + "' is not an IPv6 or IPv4 address");
    return kExitError;
  }
  if (!remote) {
    print_error("--from: '" + o.from + "' is not an IPv6 or IPv4 address");
    return kExitError;
  }
  if (ec != std::errc() || ptr != o.port.data() + o.port.size() || port == 0) {
    print_error("'" + o.port + "' is not a port number from 1 to 65535");
    return kExitError;
  }
  t.local = *local;
  t.remote = *remote;
  t.lport = port;
  t.rport = 40000;
  const Explanation e = explain(p, l.compiled, t);
  const KernelVerdict k = check_kernel(o, p, t);

  std::string route_text;
  if (e.route) {
    const Route& r = p.routes[*e.route];
    route_text = std::to_string(*e.route + 1) + (r.name.empty() ? "" : " '" + r.name + "'") +
                 " at " + p.source + ":" + std::to_string(r.pos.line) + " -> " + r.to.str();
  }
  std::string steer_text;
  if (e.steer) {
    const SteerBlock& b = p.steers[e.steer->block];
    steer_text = "[[steer]] at " + p.source + ":" + std::to_string(b.pos.line) + " (" +
                 b.prefixes[e.steer->prefix].net.str() + ", port " + b.ports.str() + ")";
  }
  const auto trace = describe_trace(p, l.compiled, e.trace);
  // What sbd would do matters only if the connection reaches it at all.
  const bool reaches_sbd = e.steer.has_value() && (!k.checked || k.steered);

  if (o.json) {
    JsonWriter w;
    w.begin_object()
        .key("dest")
        .value(o.addr)
        .key("port")
        .value(static_cast<std::int64_t>(port))
        .key("from")
        .value(o.from);
    w.key("route");
    if (e.route) {
      const Route& r = p.routes[*e.route];
      w.begin_object()
          .key("index")
          .value(static_cast<std::int64_t>(*e.route + 1))
          .key("line")
          .value(static_cast<std::int64_t>(r.pos.line))
          .key("name")
          .value(r.name)
          .key("to")
          .value(r.to.str());
      if (r.to.kind == RouteTarget::Kind::Relay)
        w.key("relay")
            .begin_object()
            .key("path")
            .value(r.to.path)
            .key("target")
            .value(r.to.relay_target)
            .key("proxy")
            .value(r.to.proxy)
            .key("control")
            .value(p.relay.control)
            .end_object();
      w.end_object();
    } else {
      w.null();
    }
    w.key("verdict").value(e.verdict);
    w.key("reaches_sbd").value(reaches_sbd);
    w.key("trace").begin_array();
    for (const auto& s : trace) w.value(s);
    w.end_array();
    w.key("steered_by_profile").value(e.steer.has_value());
    w.key("kernel")
        .begin_object()
        .key("checked")
        .value(k.checked)
        .key("steered")
        .value(k.steered)
        .key("detail")
        .value(k.why)
        .end_object();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return e.agrees ? kExitOk : kExitError;
  }

  const Style& s = out_style();
  std::printf("connection to %s:%u from %s\n", bracket(o.addr).c_str(), port,
              o.from == "::" ? "[::] (no --from given)" : bracket(o.from).c_str());
  TextTable tt;
  if (e.route) {
    const bool rejected = p.routes[*e.route].to.kind == RouteTarget::Kind::Reject;
    tt.add({"route", Cell(route_text, rejected ? Color::Yellow : Color::Green)});
  } else {
    tt.add({"route", Cell("none matches (first match wins; no match closes the connection)",
                          Color::Yellow)});
  }
  if (!reaches_sbd) {
    tt.add({"verdict",
            Cell("the kernel does not steer this to sbd: sbd never sees it (were it "
                 "steered, sbd would " +
                     (e.verdict == "closed" ? std::string("close it") : "send it to " + e.verdict) +
                     ")",
                 Color::Red)});
  } else {
    tt.add({"verdict", Cell(e.verdict == "closed" ? "sbd closes the connection"
                                                  : "sbd sends it to " + e.verdict,
                            e.verdict == "closed" ? Color::Yellow : Color::Green)});
  }
  if (e.route && p.routes[*e.route].to.kind == RouteTarget::Kind::Relay)
    tt.add({"relay", Cell(relay_text(p.routes[*e.route].to), Color::Green)});
  for (std::size_t i = 0; i < trace.size(); ++i) tt.add({i == 0 ? "table" : "", trace[i]});
  tt.add({"profile", e.steer ? Cell("steered by " + steer_text, Color::Green)
                             : Cell("NOT steered: no [[steer]] block covers this address and port",
                                    Color::Red)});
  tt.add({"kernel", !k.checked ? Cell(k.why, Color::Dim)
                               : Cell((k.steered ? "steered: " : "NOT steered: ") + k.why,
                                      k.steered ? Color::Green : Color::Red)});
  std::fputs(tt.render(s, "  ").c_str(), stdout);
  if (!e.agrees) {
    print_error("internal error: the compiled table (" + e.verdict +
                ") disagrees with the route list");
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int run_explain(const ExplainOptions& o) { return run(o); }

}  // namespace socketbox::sbctl

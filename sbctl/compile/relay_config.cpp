#include "compile/relay_config.hpp"

#include <stdexcept>

#include "config.hpp"

namespace socketbox::sbctl {
namespace {

// A TOML basic string. Paths and targets hold no control characters (the
// parser refuses white space in socket paths), so escaping '"' and '\' is
// all that is needed.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string compile_relay_config(const Profile& p) {
  std::string out = std::string(kRelayConfigHeader) + " from " + base_name(p.source) +
                    " for sb-relay; do not edit (sbctl apply rewrites it)\n";
  std::size_t n = 0;
  for (std::size_t i = 0; i < p.routes.size(); ++i) {
    const Route& r = p.routes[i];
    if (r.to.kind != RouteTarget::Kind::Relay) continue;
    ++n;
    out += "\n# route " + std::to_string(i + 1) + " (" + base_name(p.source) + ":" +
           std::to_string(r.pos.line) + ")" + (r.name.empty() ? "" : " " + r.name) + "\n";
    out += "[[relay]]\npath = " + quoted(r.to.path) + "\ntarget = " + quoted(r.to.relay_target) +
           "\nproxy = " + quoted(r.to.proxy) + "\n";
  }
  if (n == 0) out += "# no relay routes: sb-relay relays nothing\n";
  try {
    relay::check_relays(relay::parse_config_text(out, "<compiled relay config>"));
  } catch (const relay::ConfigError& e) {
    throw std::logic_error(
        std::string("internal error: the compiled sb-relay config does not load: ") + e.what());
  }
  return out;
}

bool is_sbctl_relay_config(const std::string& text) {
  return text.rfind(kRelayConfigHeader, 0) == 0;
}

}  // namespace socketbox::sbctl

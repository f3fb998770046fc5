// What sb-relay relays: one RelaySpec per receiving socket. From the
// command line (PATH TARGET, or --relay PATH=TARGET[,proxy=v1|v2][,netns=NAME])
// or a TOML file:
//
//   [[relay]]
//   path = "/run/socketbox/web.sock"
//   target = "tcp:[::1]:8080"
//   proxy = "v2"          # optional: "v1", "v2" or "none" (the default)
//   netns = "web"         # optional: sent as a PP2_TYPE_NETNS TLV (v2)
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "proxy_header.hpp"
#include "target.hpp"

namespace socketbox::relay {

struct RelaySpec {
  std::string path;  // the receiving socket
  Target target;
  ProxyVersion proxy = ProxyVersion::kNone;
  std::string netns;
  bool same_as(const RelaySpec& o) const {
    return path == o.path && target.text == o.target.text && proxy == o.proxy && netns == o.netns;
  }
};

// A user error: one line ("FILE:LINE:COL: error: ..." for the file).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "PATH=TARGET[,proxy=v2][,netns=NAME]". Throws ConfigError.
RelaySpec parse_relay_option(std::string_view s);

// The [[relay]] tables of a TOML file. Throws ConfigError.
std::vector<RelaySpec> load_config_file(const std::string& file);
// The same for text; `source` names it in messages.
std::vector<RelaySpec> parse_config_text(std::string_view text, const std::string& source);

// Every path at most once. Throws ConfigError.
void check_relays(const std::vector<RelaySpec>& relays);

}  // namespace socketbox::relay

#include "config.hpp"

#include <toml++/toml.h>

#include <set>

namespace socketbox::relay {
namespace {

void check_netns(const std::string& netns, const std::string& where) {
  if (netns.size() > kMaxNetnsName)
    throw ConfigError(where + "netns name longer than " + std::to_string(kMaxNetnsName) + " bytes");
}

std::string at(const std::string& file, const toml::source_region& r) {
  return file + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) +
         ": error: ";
}

}  // namespace

RelaySpec parse_relay_option(std::string_view s) {
  const std::string where = "--relay '" + std::string(s) + "': ";
  const auto eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw ConfigError(where + "expected PATH=TARGET[,proxy=v1|v2][,netns=NAME]");
  RelaySpec r;
  r.path = std::string(s.substr(0, eq));
  std::string_view rest = s.substr(eq + 1);
  const auto comma = rest.find(',');
  std::string err;
  if (!parse_target(rest.substr(0, comma), r.target, err)) throw ConfigError(where + err);
  rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  while (!rest.empty()) {
    const auto next = rest.find(',');
    const std::string_view item = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (item.starts_with("proxy=")) {
      if (!parse_proxy_version(item.substr(6), r.proxy))
        throw ConfigError(where + "proxy must be v1, v2 or none");
    } else if (item.starts_with("netns=")) {
      r.netns = std::string(item.substr(6));
      check_netns(r.netns, where);
    } else {
      throw ConfigError(where + "unknown option '" + std::string(item) + "' (proxy=, netns=)");
    }
  }
  return r;
}

namespace {

ConfigError toml_error(const std::string& file, const toml::parse_error& e) {
  const auto& b = e.source().begin;
  if (!b.line) return ConfigError(file + ": error: " + std::string(e.description()));
  return ConfigError(file + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                     ": error: " + std::string(e.description()));
}

std::vector<RelaySpec> relays_of(const toml::table& doc, const std::string& file) {
  for (const auto& [key, node] : doc)
    if (key.str() != "relay")
      throw ConfigError(at(file, node.source()) + "unknown key '" + std::string(key.str()) +
                        "' (expected [[relay]] tables)");
  std::vector<RelaySpec> out;
  const toml::node* relays = doc.get("relay");
  if (!relays) return out;
  const toml::array* arr = relays->as_array();
  if (!arr) throw ConfigError(at(file, relays->source()) + "'relay' must be [[relay]] tables");
  for (const toml::node& n : *arr) {
    const toml::table* t = n.as_table();
    if (!t) throw ConfigError(at(file, n.source()) + "'relay' must be [[relay]] tables");
    RelaySpec r;
    bool have_path = false, have_target = false;
    for (const auto& [key, value] : *t) {
      const std::string k(key.str());
      const auto* str = value.as_string();
      if (k != "path" && k != "target" && k != "proxy" && k != "netns")
        throw ConfigError(at(file, value.source()) + "unknown key '" + k +
                          "' (path, target, proxy, netns)");
      if (!str) throw ConfigError(at(file, value.source()) + "'" + k + "' must be a string");
      const std::string v = str->get();
      if (k == "path") {
        if (v.empty()) throw ConfigError(at(file, value.source()) + "'path' is empty");
        r.path = v;
        have_path = true;
      } else if (k == "target") {
        std::string err;
        if (!parse_target(v, r.target, err)) throw ConfigError(at(file, value.source()) + err);
        have_target = true;
      } else if (k == "proxy") {
        if (!parse_proxy_version(v, r.proxy))
          throw ConfigError(at(file, value.source()) +
                            "'proxy' must be \"v1\", \"v2\" or \"none\"");
      } else {
        r.netns = v;
        check_netns(r.netns, at(file, value.source()));
      }
    }
    if (!have_path || !have_target)
      throw ConfigError(at(file, n.source()) + "a [[relay]] needs 'path' and 'target'");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<RelaySpec> load_config_file(const std::string& file) {
  try {
    return relays_of(toml::parse_file(file), file);
  } catch (const toml::parse_error& e) {
    throw toml_error(file, e);
  }
}

std::vector<RelaySpec> parse_config_text(std::string_view text, const std::string& source) {
  try {
    return relays_of(toml::parse(text, source), source);
  } catch (const toml::parse_error& e) {
    throw toml_error(source, e);
  }
}

void check_relays(const std::vector<RelaySpec>& relays) {
  std::set<std::string> seen;
  for (const auto& r : relays)
    if (!seen.insert(r.path).second)
      throw ConfigError("receiving socket '" + r.path + "' named twice");
}

}  // namespace socketbox::relay

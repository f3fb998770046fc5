#include "state/snapshot.hpp"

#include <map>

#include "compile/desired_state.hpp"
#include "socketbox/table/table_file.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

const char* const kKernelComment = "kernel state (socketbox's part)";

}  // namespace

std::string kernel_state_to_toml(const netcfg::DesiredState& d, const std::string& comment) {
  std::string out = "# " + comment + "\n";
  out += std::string("local_clients = ") + (d.local_clients ? "true" : "false") + "\n\n";
  out += "[daemon]\nlisten = \"[::ffff:127.0.0.1]:" + std::to_string(d.tproxy_port) + "\"\n";
  for (const auto& s : d.steers) {
    out += "\n[[steer]]\nprefixes = [";
    for (std::size_t i = 0; i < s.prefixes.size(); ++i)
      out += (i ? ", \"" : "\"") + s.prefixes[i].str() + "\"";
    out += "]\n";
    if (!s.ports.empty()) {
      out += "ports = [";
      for (std::size_t i = 0; i < s.ports.size(); ++i) {
        out += i ? ", \"" : "\"";
        out += std::to_string(s.ports[i].lo) + "-" + std::to_string(s.ports[i].hi) + "\"";
      }
      out += "]\n";
    }
    if (s.tproxy_port) out += "tproxy_port = " + std::to_string(s.tproxy_port) + "\n";
    // Limits too, or a rollback to this snapshot would drop them.
    const netcfg::SourceLimits& l = s.limits;
    if (l.max_conn) out += "max_conn_per_source = " + std::to_string(l.max_conn) + "\n";
    if (l.rate) {
      static const std::map<std::uint32_t, const char*> units = {
          {1, "second"}, {60, "minute"}, {3600, "hour"}, {86400, "day"}};
      const auto u = units.find(l.rate_unit);
      out += "rate_per_source = \"" + std::to_string(l.rate) + "/" +
             (u != units.end() ? u->second : "second") + "\"\n";
      out += "rate_burst = " + std::to_string(l.burst) + "\n";
    }
    if (l.any())
      out += "source_prefix6 = " + std::to_string(l.prefix6) +
             "\nsource_prefix4 = " + std::to_string(l.prefix4) + "\n";
  }
  return out;
}

netcfg::DesiredState kernel_state_from_toml(const std::string& text, const std::string& source) {
  return desired_state(parse_profile(text, source));
}

void save_snapshot(const Snapshot& s, const std::string& dir) {
  make_dirs(dir);
  if (s.kernel) {
    write_file_atomic(dir + "/kernel.toml", kernel_state_to_toml(*s.kernel, kKernelComment));
    remove_file(dir + "/kernel.none");
  } else {
    write_file_atomic(dir + "/kernel.none", "no socketbox nft table\n");
    remove_file(dir + "/kernel.toml");
  }
  if (s.table) {
    write_file_atomic(dir + "/sbd.conf", *s.table);
    remove_file(dir + "/sbd.conf.none");
  } else {
    write_file_atomic(dir + "/sbd.conf.none", "no table file\n");
    remove_file(dir + "/sbd.conf");
  }
  if (s.relay_recorded && s.relay) {
    write_file_atomic(dir + "/relay.toml", *s.relay);
    remove_file(dir + "/relay.toml.none");
  } else if (s.relay_recorded) {
    write_file_atomic(dir + "/relay.toml.none", "no sb-relay config file\n");
    remove_file(dir + "/relay.toml");
  }
}

Snapshot load_snapshot(const std::string& dir, const std::optional<netcfg::DesiredState>& likely) {
  Snapshot s;
  if (auto k = read_file_if_exists(dir + "/kernel.toml")) {
    if (likely && *k == kernel_state_to_toml(*likely, kKernelComment))
      s.kernel = likely;
    else
      s.kernel = kernel_state_from_toml(*k, dir + "/kernel.toml");
  } else if (!read_file_if_exists(dir + "/kernel.none")) {
    throw FileError("incomplete generation: neither " + dir +
                    "/kernel.toml nor kernel.none exists");
  }
  s.table = table::read_table_text_if_exists(dir + "/sbd.conf");
  if (!s.table && !read_file_if_exists(dir + "/sbd.conf.none"))
    throw FileError("incomplete generation: neither " + dir + "/sbd.conf nor sbd.conf.none exists");
  s.relay = read_file_if_exists(dir + "/relay.toml");
  s.relay_recorded = s.relay || read_file_if_exists(dir + "/relay.toml.none");
  return s;
}

}  // namespace socketbox::sbctl

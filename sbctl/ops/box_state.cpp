#include "ops/box_state.hpp"

#include <cstdlib>

#include "compile/relay_config.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/table/table_file.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {

Snapshot take_snapshot(const std::string& table_path, netcfg::KernelState* read) {
  Snapshot s;
  const netcfg::KernelState k = netcfg::read_kernel_state();
  if (read) *read = k;
  if (k.table_present) s.kernel = k.steering;
  // The installed table is sbd's file: read it as sbd does (a FIFO or a
  // device there must not hang or flood sbctl).
  s.table = table::read_table_text_if_exists(table_path);
  return s;
}

void restore_kernel(const std::optional<netcfg::DesiredState>& kernel) {
  if (kernel) {
    netcfg::apply(*kernel);
  } else {
    netcfg::remove_all();
  }
}

void write_table_file(const std::string& path, const std::string& contents) {
  make_dirs(dirname_of(path));
  write_file_atomic(path, contents, 0644);
}

std::optional<std::string> read_relay_file(const std::string& path) {
  // Small and sbctl's own, but read as the table is: never hang on a FIFO.
  return table::read_table_text_if_exists(path);
}

std::optional<std::string> planned_relay_text(const Profile& p) {
  if (p.has_relay_routes()) return compile_relay_config(p);
  if (const auto f = read_relay_file(p.relay.config); f && is_sbctl_relay_config(*f))
    return compile_relay_config(p);
  return std::nullopt;
}

void restore_relay_file(const std::string& path, const std::optional<std::string>& contents) {
  restore_table_file(path, contents);
}

void restore_table_file(const std::string& path, const std::optional<std::string>& contents) {
  if (contents) {
    write_table_file(path, *contents);
  } else {
    remove_file(path);
  }
}

}  // namespace socketbox::sbctl

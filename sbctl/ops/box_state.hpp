// Reading and restoring the two halves of the box that sbctl manages: the
// kernel state (through netcfg, in the current network namespace) and the
// table file.
#pragma once

#include <optional>
#include <string>

#include "profile/profile.hpp"
#include "state/snapshot.hpp"

namespace socketbox::sbctl {

// The kernel's socketbox state (nullopt: no socketbox table) and the file;
// `read` receives the kernel state exactly as read back.
Snapshot take_snapshot(const std::string& table_path, netcfg::KernelState* read = nullptr);

// Puts the kernel back as `kernel` says: apply it, or remove everything
// socketbox owns. Test fault injection is switched off first: a restore must
// not be made to fail by the fault that made it necessary.
void restore_kernel(const std::optional<netcfg::DesiredState>& kernel);

// Writes the table file (atomically) or removes it when `contents` is nullopt.
void restore_table_file(const std::string& path, const std::optional<std::string>& contents);
void write_table_file(const std::string& path, const std::string& contents);

// sb-relay's config file, read and written like the table file.
std::optional<std::string> read_relay_file(const std::string& path);
void restore_relay_file(const std::string& path, const std::optional<std::string>& contents);

// What apply writes to sb-relay's file for `p`: the compiled file when the
// profile has relay routes or the file there is sbctl's own (then emptied);
// nullopt (left alone) otherwise.
std::optional<std::string> planned_relay_text(const Profile& p);

}  // namespace socketbox::sbctl

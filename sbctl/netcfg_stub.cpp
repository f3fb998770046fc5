// TEMPORARY: stands in for the sbnetcfg library until the netcfg branch is
// merged (sbctl/CMakeLists.txt uses it only when no sbnetcfg target exists).
#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {
namespace {
[[noreturn]] void missing() { throw NetcfgError("netcfg is not built into this sbctl yet"); }
}  // namespace
std::optional<Prefix> Prefix::parse(std::string_view) { missing(); }
std::string Prefix::str() const { missing(); }
KernelState read_kernel_state() { missing(); }
std::vector<Change> diff(const DesiredState&, const KernelState&) { return {}; }
void apply(const DesiredState&) { missing(); }
void remove_all() { missing(); }
std::string render_nft(const DesiredState&) { missing(); }
NetnsScope::NetnsScope(const std::string& name) {
  if (!name.empty()) missing();
}
NetnsScope::~NetnsScope() = default;
std::vector<std::string> socketdir_drift(const SocketDir&) { missing(); }
void ensure_socketdir(const SocketDir&) { missing(); }
}  // namespace socketbox::netcfg

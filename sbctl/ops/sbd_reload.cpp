#include "ops/sbd_reload.hpp"

#include "control/control_client.hpp"

namespace socketbox::sbctl {

namespace {

ReloadOutcome reload_daemon(const std::string& control_path, const std::string& who) {
  try {
    const control::ReloadAnswer a = request_reload(control_path, who);
    if (a.ok) return {ReloadOutcome::Kind::Reloaded, static_cast<long long>(a.generation), ""};
    return {ReloadOutcome::Kind::Refused, 0, a.error};
  } catch (const ControlError& e) {
    if (e.not_running()) return {ReloadOutcome::Kind::NotRunning, 0, e.what()};
    return {ReloadOutcome::Kind::Refused, 0, e.what()};
  }
}

}  // namespace

ReloadOutcome reload_sbd(const std::string& control_path) {
  return reload_daemon(control_path, "sbd");
}

ReloadOutcome reload_relay(const std::string& control_path) {
  return reload_daemon(control_path, "sb-relay");
}

}  // namespace socketbox::sbctl

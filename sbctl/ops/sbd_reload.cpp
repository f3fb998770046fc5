#include "ops/sbd_reload.hpp"

#include "control/control_client.hpp"

namespace socketbox::sbctl {

ReloadOutcome reload_sbd(const std::string& control_path) {
  try {
    const control::ReloadAnswer a = request_reload(control_path);
    if (a.ok) return {ReloadOutcome::Kind::Reloaded, static_cast<long long>(a.generation), ""};
    return {ReloadOutcome::Kind::Refused, 0, a.error};
  } catch (const ControlError& e) {
    if (e.not_running()) return {ReloadOutcome::Kind::NotRunning, 0, e.what()};
    return {ReloadOutcome::Kind::Refused, 0, e.what()};
  }
}

}  // namespace socketbox::sbctl

// sbctl check PROFILE [--strict] [--json]: parse and lint; exit 0 when usable.
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "output/json_writer.hpp"
#include "output/style.hpp"

namespace socketbox::sbctl {
namespace {

int run_json(const CheckOptions& o) {
  JsonWriter w;
  w.begin_object().key("profile").value(o.profile);
  int rc = kExitOk;
  w.key("diagnostics").begin_array();
  try {
    const Profile p = load_profile(o.profile);
    for (const auto& d : lint_profile(p, box_lint_environment())) {
      const bool error = d.severity == Diagnostic::Severity::Error || o.strict;
      if (error) rc = kExitError;
      w.begin_object()
          .key("severity")
          .value(d.severity == Diagnostic::Severity::Error ? "error" : "warning")
          .key("line")
          .value(static_cast<std::int64_t>(d.pos.line))
          .key("column")
          .value(static_cast<std::int64_t>(d.pos.column))
          .key("message")
          .value(d.message)
          .end_object();
    }
  } catch (const ProfileError& e) {
    rc = kExitError;
    for (const Problem& problem : e.problems())
      w.begin_object()
          .key("severity")
          .value("error")
          .key("line")
          .value(static_cast<std::int64_t>(problem.pos.line))
          .key("column")
          .value(static_cast<std::int64_t>(problem.pos.column))
          .key("message")
          .value(problem.message)
          .end_object();
  }
  w.end_array().key("ok").value(rc == kExitOk).end_object();
  std::printf("%s\n", w.str().c_str());
  return rc;
}

int run(const CheckOptions& o) {
  if (o.json) return run_json(o);
  const LoadedProfile l = load_profile_checked(o.profile, true, o.strict);
  std::size_t warnings = l.diagnostics.size();
  std::printf(
      "%s: %s: %zu route%s, %zu steer block%s, %zu socket director%s%s\n", o.profile.c_str(),
      out_style().paint("ok", Color::Green).c_str(), l.profile.routes.size(),
      l.profile.routes.size() == 1 ? "" : "s", l.profile.steers.size(),
      l.profile.steers.size() == 1 ? "" : "s", l.profile.socketdirs.size(),
      l.profile.socketdirs.size() == 1 ? "y" : "ies",
      warnings ? (", " + std::to_string(warnings) + " warning" + (warnings == 1 ? "" : "s")).c_str()
               : "");
  return kExitOk;
}

}  // namespace

int run_check(const CheckOptions& o) { return run(o); }

}  // namespace socketbox::sbctl

// Running `apply --probe` checks: a TCP connect to the destination from the
// probe's namespace, and sbd's per-target `sent` counter for the target the
// new generation routes it to, read before and after.
#pragma once

#include <stdexcept>
#include <string>

#include "probe/probe_spec.hpp"

namespace socketbox::sbctl {

class ProbeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a probe expects, worked out at apply time (before anything changes).
struct ProbePlan {
  ProbeSpec spec;
  std::string label;   // probe_label(spec)
  std::string target;  // sbd's counter name of the expected target ("/path")
};

// The source address the probe's namespace picks for the destination (a UDP
// connect, which sends nothing), so that explain sees the tuple sbd will.
// Throws ProbeError ("no route from namespace client: Network is unreachable").
table::Addr probe_source(const ProbeSpec& p);

// Bounds: the TCP connect, and the wait for sbd's counter to move.
inline constexpr int kProbeConnectMs = 2000;
inline constexpr int kProbeCounterMs = 2000;

// Connects and checks the counters; empty when the probe passed, else what
// failed in one line ("connection refused", "reached sbd but went to /x,
// expected /y"). Runs in the box's namespace (sbd's control socket path is
// the box's); enters the probe's own namespace only to make the socket.
std::string run_probe(const ProbePlan& p, const std::string& control_path);

}  // namespace socketbox::sbctl

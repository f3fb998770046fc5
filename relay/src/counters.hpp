// Per-relay counters, as the control socket's status reports them.
#pragma once

#include <cstdint>

namespace socketbox::relay {

struct RelayCounters {
  std::uint64_t accepted = 0;            // sockets received from sbd
  std::uint64_t connected = 0;           // target connections established
  std::uint64_t failed_connect = 0;      // target refused, unreachable or timed out
  std::uint64_t refused_over_limit = 0;  // closed at once: --max-connections reached
  std::uint64_t idle_timeouts = 0;       // closed after --idle-timeout without a byte
  std::uint64_t errors = 0;              // relayed connections ended by a socket error
  std::uint64_t active = 0;              // connecting or relaying now
  std::uint64_t bytes_to_target = 0;     // client -> target (PROXY headers excluded)
  std::uint64_t bytes_to_client = 0;     // target -> client
};

}  // namespace socketbox::relay

// The listening sockets of listener routes (handoff = "listener"): sbctl
// makes them, since binding a transparent socket needs a capability sbd
// does not have, and gives them to sbd, which holds them and sends each to
// its route's server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "socketbox/unique_fd.hpp"

namespace socketbox::sbctl {

struct ListenerSocket {
  std::uint16_t port = 0;  // on [::ffff:127.0.0.1], where nft's TPROXY sends the route
  std::string path;        // the route's receiving socket
};

// A TCP socket listening on [::ffff:127.0.0.1]:port with IPV6_TRANSPARENT,
// in the calling thread's network namespace. Throws std::runtime_error
// naming the port and the cause; errno_out (if given) gets the errno.
UniqueFd make_transparent_listener(std::uint16_t port, int* errno_out = nullptr);

// Makes sure sbd (at control_path) holds a socket for every port in `want`:
// asks sbd which it holds and makes and sends the others. Run before nft
// steers to them, so no connection finds the port empty. Returns the ports
// it gave sbd. What it cannot do and need not fail the change for (sbd not
// running, a port in use, most likely by a server still holding the socket
// sbd lost) goes to `warnings`; any other failure is a std::runtime_error
// or ControlError.
std::vector<std::uint16_t> ensure_listeners(const std::string& control_path,
                                            const std::vector<ListenerSocket>& want,
                                            std::vector<std::string>& warnings);

}  // namespace socketbox::sbctl

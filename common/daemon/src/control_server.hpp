// The control socket: a Unix stream socket (mode 0660). Each client sends one
// command line and gets one line of JSON, then the daemon closes the connection.
// Everything runs inside the daemon's epoll loop without blocking it: clients are
// read and written non-blocking, at most kMaxClients at once. Operators come
// first: a client that has not sent its command within kIdleDeadlineMs is
// dropped; when every slot is taken, the oldest client still sending its
// command makes room for the newcomer; an answer gets kWriteBaseMs plus
// kWritePerMbMs per MB to be read, counted from when it is ready. An answer
// that comes later (a reload's) waits without a deadline of its own.
//
// Commands are read with recvmsg (MSG_CMSG_CLOEXEC): a client may attach ONE
// descriptor (SCM_RIGHTS) to its command, which the answerer gets
// (ControlAnswerer::answer_line_with_fd). More than one is refused
// (bad_arguments) and every one of them closed; a descriptor is closed with
// its client on every other path (dropped, timed out, hung up).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "control_answerer.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

class ControlServer {
 public:
  static constexpr int kMaxClients = 16;
  static constexpr std::uint64_t kIdleDeadlineMs = 2000;
  static constexpr std::uint64_t kWriteBaseMs = 2000;
  static constexpr std::uint64_t kWritePerMbMs = 1000;
  static constexpr std::size_t kMaxCommand = 256;

  // Binds `path` (replacing a stale socket, refusing to replace anything
  // else), mode 0660. Throws SetupError.
  ControlServer(std::string path, ControlAnswerer& handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  int listen_fd() const noexcept { return listen_.get(); }
  int timer_fd() const noexcept { return timer_.get(); }
  const std::string& path() const noexcept { return path_; }

  // epoll: `epfd` is where client fds are registered; `tag_base` + slot is
  // their epoll data.
  void attach(int epfd, std::uint64_t tag_base) noexcept {
    epfd_ = epfd;
    tag_base_ = tag_base;
  }
  // Accept queued clients. False: out of descriptors, back off.
  bool on_accept() noexcept;
  void on_client(int slot, std::uint32_t events) noexcept;
  void on_timer() noexcept;
  // A later answer is ready (e.g. a reload finished): `text` answers every
  // client waiting for `ticket` or an earlier one.
  void complete(std::uint64_t ticket, std::string_view text) noexcept;
  // Don't unlink the socket file at exit (e.g. it is no longer reachable).
  void keep_socket_file() noexcept { unlink_at_exit_ = false; }

 private:
  struct Client {
    UniqueFd fd;
    char in[kMaxCommand];
    std::size_t in_len = 0;
    std::string out;
    std::size_t out_off = 0;
    std::uint64_t accepted_ms = 0;
    std::uint64_t deadline = 0;     // 0: none (waiting for a reload)
    std::uint64_t reload_wait = 0;  // ticket of the later answer it waits for
    UniqueFd passed;                // the descriptor sent with the command
    bool too_many_fds = false;      // more than one came (all closed)
  };
  // Keeps the descriptors of one received message (at most one in all).
  void take_fds(Client& c, const msghdr& msg) noexcept;
  int take_slot() noexcept;
  void send_answer(Client& c, std::string_view text) noexcept;
  void close_client(Client& c) noexcept;
  void answer(Client& c, std::string_view line) noexcept;
  void flush(Client& c) noexcept;
  void arm_timer() noexcept;

  std::string path_;
  ControlAnswerer& handler_;
  UniqueFd listen_;
  UniqueFd timer_;
  int epfd_ = -1;
  std::uint64_t tag_base_ = 0;
  bool unlink_at_exit_ = true;
  int active_ = 0;
  Client clients_[kMaxClients];
};

}  // namespace socketbox::daemon

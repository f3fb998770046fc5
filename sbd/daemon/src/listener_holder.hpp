// Listener hand-off mode: the listening sockets sbd holds for servers that
// accept natively (docs/table-format.md, `listener:LPORT jump-unix:PATH`).
//
// sbctl (root) makes a TCP listening socket in the router's namespace and
// sends it over the control socket (`listener`, one SCM_RIGHTS descriptor);
// sbd cannot make it (no capabilities) but holds it, keyed by its port, at
// most kMaxHeld. Under systemd each held socket is also kept in the
// service's fd store (FDSTORE=1, FDNAME=listener-PORT), so that a restarted
// sbd gets it back in LISTEN_FDS; a dropped one is removed (FDSTOREREMOVE=1).
// Once delivered, the name also records which socket file got it
// (listener-PORT.dDEV.iINO.cSEC.NSEC): a restarted sbd does not send it to
// a server that holds it already (it would pile up in the server's
// receiving socket, which nobody reads once the socket is installed).
//
// Delivery: a table line's socket is sent to its PATH, in the hand-off's
// wire format (one NUL byte, one descriptor), when the (port, path) pair is
// new at a table load (so also at sbd's start, unless the fd store's name
// says the same socket file already got it), when a new socket for the
// port arrives, and when the socket file at PATH is a different one than at
// the last delivery (a restarted server binds anew): tick() stat()s each
// path every kTickMs. A failed delivery is retried at most every kRetryMs
// and logged at most every kLogEveryMs per line. A held socket that no line
// of a newly loaded table names is closed.
//
// Everything runs on the event loop; nothing here blocks.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "control_protocol.hpp"
#include "handoff.hpp"
#include "socketbox/control_protocol.hpp"
#include "socketbox/table/table.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

class ListenerHolder {
 public:
  static constexpr std::size_t kMaxHeld = socketbox::table::kMaxListeners;
  static constexpr std::uint64_t kTickMs = 250;
  static constexpr std::uint64_t kRetryMs = 1000;
  static constexpr std::uint64_t kLogEveryMs = 60000;

  // Sends with sender.send_to_path. `fd_store`: keep held sockets in
  // systemd's fd store (sbd runs under systemd: NOTIFY_SOCKET is set).
  ListenerHolder(const HandoffSender& sender, bool fd_store) noexcept
      : sender_(sender), fd_store_(fd_store) {}
  ListenerHolder(const ListenerHolder&) = delete;
  ListenerHolder& operator=(const ListenerHolder&) = delete;

  // Sockets must be in the network namespace of `fd` (sbd's own listening
  // socket, kept open by its owner), checked from then on.
  void require_netns_of(int fd) noexcept { netns_of_ = fd; }

  // The `listener` command: checks that `fd` is a listening TCP socket
  // (SO_ACCEPTCONN, SOCK_STREAM, AF_INET6, IPV6_TRANSPARENT, the right
  // network namespace) bound to a port and holds it,
  // closing any socket held for that port before. Sends it at once when the
  // table names the port. An error says why it was refused (fd closed).
  ListenerResult take(UniqueFd fd, std::uint64_t now_ms);

  // At start: a socket systemd gave back from the fd store ("listener-PORT").
  // Checked as take() does, not stored again. "" or why it was refused
  // (then it is also removed from the store).
  std::string adopt(UniqueFd fd, const std::string& name);

  // A table was loaded (at start too): closes held sockets no line names,
  // and sends those of new (port, path) lines.
  void set_table(const std::vector<socketbox::table::ListenerEntry>& lines, std::uint64_t now_ms);

  // sbd's start: sends wait until start_sending(), which sbd calls once it
  // runs as its own user. Before, it is root without CAP_DAC_OVERRIDE and
  // without the socket directories' group (the servers' sockets refuse it:
  // EACCES), and before a --chroot a path names another file.
  void hold_sends() noexcept { sending_ = false; }
  void start_sending(std::uint64_t now_ms);

  // Every kTickMs while ticking(): sends where the socket file at a line's
  // path changed, and retries failed deliveries.
  void tick(std::uint64_t now_ms);
  // Whether tick() has anything to watch (a line whose socket is held).
  bool ticking() const noexcept;

  // The table's lines in its order, then held sockets no line names.
  std::vector<control::ListenerStatus> status() const;
  std::size_t held() const noexcept { return held_.size(); }
  // The descriptor held for `port`, or -1.
  int fd_of(std::uint16_t port) const noexcept;

 private:
  // Which socket file a path named when it was last sent to.
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    long ctime_s = 0, ctime_ns = 0;  // an inode number may be reused; its ctime is new
    bool operator==(const FileId&) const = default;
  };
  struct Line {
    std::uint16_t port = 0;
    std::string path;
    bool due = true;  // to be sent
    bool sent_once = false;
    FileId sent_to;  // valid when sent_once
    std::uint64_t delivered = 0;
    std::string last_error;
    std::uint64_t next_try_ms = 0;
    std::uint64_t logged_ms = 0;  // last failure logged; 0 = none yet
    std::uint64_t unlogged = 0;   // failures since
  };
  static bool file_id(const std::string& path, FileId& out, int& err) noexcept;
  // The fd store's name for `port`'s socket, with the file it was sent to.
  static std::string store_name(std::uint16_t port, const FileId* sent);
  // store_name()'s inverse: the port (0 if not one of ours) and, if there,
  // the file it was sent to.
  static std::uint16_t parse_store_name(const std::string& name, FileId& sent, bool& have_sent);
  void deliver(Line& l, int fd, std::uint64_t now_ms);
  void deliver_due(std::uint64_t now_ms);
  void store(std::uint16_t port, int fd, const FileId* sent = nullptr);
  void unstore(std::uint16_t port);

  const HandoffSender& sender_;
  bool fd_store_;
  int netns_of_ = -1;    // require_netns_of
  bool sending_ = true;  // false between hold_sends() and start_sending()
  std::map<std::uint16_t, UniqueFd> held_;
  std::vector<Line> lines_;
  std::map<std::uint16_t, std::string> stored_as_;  // port -> its fd store name
  // From the fd store at start: the file each socket was last sent to,
  // applied to the first table's lines.
  std::map<std::uint16_t, FileId> sent_before_;
};

// Checks that `fd` is a listening, transparent TCP socket (AF_INET6) bound
// to a port and, if same_netns_as >= 0, in that socket's network namespace;
// returns the port, or 0 with `error` set.
std::uint16_t check_listening_socket(int fd, std::string& error, int same_netns_as = -1);

}  // namespace socketbox::daemon

// Helpers for receiver tests: a private temp dir, socket pairs whose far
// end tells whether the receiver closed its copy, and fd sending.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

namespace sbtest {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sbrecv.XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A connected AF_UNIX stream pair: `sent` goes to the receiver, `kept` stays.
struct Pair {
  int sent = -1;
  int kept = -1;
  Pair(int type = SOCK_STREAM) {
    int sv[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) == 0) {
      sent = sv[0];
      kept = sv[1];
    }
  }
  ~Pair() {
    if (sent >= 0) ::close(sent);
    if (kept >= 0) ::close(kept);
  }
  void close_sent() {
    ::close(sent);
    sent = -1;
  }
  // True once nobody holds the sent end any more (EOF on kept), within 2 s.
  bool far_end_closed() const {
    pollfd p{kept, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return false;
    char c;
    return ::recv(kept, &c, 1, MSG_DONTWAIT) == 0;
  }
  // For SOCK_DGRAM pairs (no EOF): sending fails once the peer is gone.
  bool dgram_peer_gone() const {
    for (int i = 0; i < 200; ++i) {
      if (::send(kept, "z", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED)
        return true;
      ::usleep(10000);
    }
    return false;
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
};

// Sends fds in one datagram, split into `messages` SCM_RIGHTS messages.
int send_fds(const std::string& path, const std::vector<int>& fds, int messages = 1);

bool readable(int fd, int timeout_ms);

}  // namespace sbtest

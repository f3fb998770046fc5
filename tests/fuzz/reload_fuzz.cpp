// libFuzzer harness: sbd's reload path with a random table swapped in under
// load. Each input is written as the table file and reloaded through the
// Reloader's worker thread (sometimes asked twice, to coalesce) while this
// thread, standing in for the event loop, keeps dispatching synthetic
// connections through the table in service and its bound counters. Then:
// a table that loaded is installed as sbd installs it (counters bound,
// targets that left folded into `retired`); a refused one leaves the old
// table serving. After each step every lookup ends in a final action whose
// counters exist, the registry holds no more targets than the table, and
// the status answer is valid UTF-8 without raw control bytes.
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "active_table.hpp"
#include "control_protocol.hpp"
#include "counters.hpp"
#include "metrics.hpp"
#include "reloader.hpp"
#include "setup_error.hpp"
#include "socketbox/table/parser.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

// sbd defines it in listener.cpp, which the harness does not build.
std::string socketbox::daemon::errno_text(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

namespace {

struct State {
  std::string dir, path;
  Reloader* reloader = nullptr;
  CounterRegistry counters;
  ActiveTable active;
};

State& state() {
  static State* s = [] {
    auto* st = new State;
    char tmpl[] = "/tmp/sb-reload-fuzz.XXXXXX";
    if (!mkdtemp(tmpl)) __builtin_trap();
    st->dir = tmpl;
    st->path = st->dir + "/t.conf";
    std::atexit([] {
      unlink(state().path.c_str());
      rmdir(state().dir.c_str());
    });
    // Small limits, so that inputs the fuzzer can reach also cross them.
    st->reloader = new Reloader(st->path, tbl::LoadLimits{4096, 64}, &st->counters);
    st->reloader->start();
    st->active.table = std::make_shared<const tbl::Table>(
        tbl::parse_table("rule-set:0\ndefault jump-unix:/srv/first.sock\n", "first"));
    st->active.counters = st->counters.bind(*st->active.table);
    return st;
  }();
  return *s;
}

// One connection through the table in service, as the dispatcher does it.
void dispatch_one(State& s, std::uint32_t n) {
  tbl::Tuple t;
  t.local = *tbl::parse_addr(n & 1 ? "fd01:db8:1:40::1:10" : "192.0.2.7");
  t.remote = *tbl::parse_addr("2001:db8::99");
  t.lport = static_cast<std::uint16_t>(n * 7919u);
  t.rport = static_cast<std::uint16_t>(n);
  const tbl::Action a = s.active.table->lookup(t);
  s.counters.connections.accepted++;
  if (a.kind == tbl::ActionKind::Unix) {
    if (a.arg >= s.active.counters.size()) __builtin_trap();
    s.active.counters[a.arg]->sent++;
  } else if (a.kind == tbl::ActionKind::Fd) {
    TargetCounters* c = s.counters.for_fd(a.arg);
    if (!c) __builtin_trap();  // bind() created every jump-fd's counters
    c->sent++;
  } else if (a.kind != tbl::ActionKind::Fail) {
    __builtin_trap();  // a jump left over: the table did not decide
  }
}

bool valid_utf8_no_controls(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += len;
  }
  return true;
}

void check(State& s) {
  for (std::uint32_t n = 0; n < 64; ++n) dispatch_one(s, n);
  // Folding keeps the registry to what the table names (paths + jump-fds).
  if (s.counters.paths().size() != s.active.table->targets.size()) __builtin_trap();
  StatusInfo info;
  info.counters = &s.counters;
  const std::string status = format_status(info);
  if (!valid_utf8_no_controls(status)) __builtin_trap();
  // What sbctl reads back: the same answer, through the protocol's parser.
  try {
    if (socketbox::control::parse_answer<socketbox::control::StatusAnswer>(status) !=
        status_answer(info))
      __builtin_trap();
  } catch (const std::exception&) {
    __builtin_trap();
  }
  // The metrics text: whole, and its last line the terminator.
  const std::string metrics = format_metrics(info);
  if (metrics.size() < 6 || metrics.compare(metrics.size() - 6, 6, "\n# EOF") != 0)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  State& s = state();
  {
    // Replaced whole, as an operator should (sbd never reads half a file).
    std::ofstream(s.path + ".new", std::ios::binary)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (rename((s.path + ".new").c_str(), s.path.c_str()) != 0) __builtin_trap();
  }
  const std::uint64_t first = s.reloader->request();
  // A second request while the first runs joins one queued job.
  const bool twice = size > 0 && (data[0] & 1);
  const std::uint64_t second = twice ? s.reloader->request() : first;
  if (twice && s.reloader->request() != second) __builtin_trap();  // coalesced
  std::uint64_t last = 0;
  std::uint32_t n = 0;
  while (last < second) {
    // Dispatch goes on while the worker builds.
    dispatch_one(s, n++);
    pollfd p{s.reloader->event_fd(), POLLIN, 0};
    if (poll(&p, 1, n % 64 == 0 ? 1 : 0) <= 0) continue;
    ReloadResult r;
    if (!s.reloader->take(r)) continue;
    if (r.ticket <= last || r.ticket > second) __builtin_trap();
    last = r.ticket;
    if (r.table) {
      ActiveTable a;
      if (!r.counters) __builtin_trap();  // prepared on the worker
      auto old_map = std::make_shared<std::map<std::string, TargetCounters>>();
      a.counters = s.counters.adopt(*r.table, std::move(*r.counters), *old_map);
      s.reloader->dispose(std::move(old_map));
      a.table = std::move(r.table);
      a.generation = s.active.generation + 1;
      auto old = s.active.table;
      s.active = std::move(a);
      s.reloader->dispose(std::move(old));
    } else if (r.error.empty() || r.error.find('\n') != std::string::npos) {
      __builtin_trap();  // a refusal is one line
    }
    check(s);
    s.reloader->resume();  // the queued request, once the registry is stable
  }
  return 0;
}

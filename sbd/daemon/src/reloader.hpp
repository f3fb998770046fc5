// The reloader: reads and builds a table on its own thread, so that the
// event loop keeps dispatching however long a reload takes (a huge table, a
// slow disk). One job at a time; the loop learns that a job is done through
// an eventfd and takes the result with take(). A request made while a job
// runs is coalesced into at most one more job, run when the first is done.
//
// The worker is never joined while it is busy: at exit a stuck build is
// abandoned (the process exits around it), so SIGTERM never waits for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "counters.hpp"
#include "socketbox/table/limits.hpp"
#include "socketbox/table/table.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

struct ReloadResult {
  std::uint64_t ticket = 0;                              // which request this answers
  std::shared_ptr<const socketbox::table::Table> table;  // null: failed
  std::unique_ptr<PreparedCounters> counters;            // for table, if a registry was given
  std::vector<std::string> warnings;
  std::string error;  // one line, names the file
};

class Reloader {
 public:
  // The worker's niceness: it gets about a tenth of a CPU the loop wants.
  static constexpr int kWorkerNice = 10;

  // Throws SetupError (no eventfd). With `counters`, each built table's
  // counters are prepared on the worker too (CounterRegistry::prepare): the
  // registry's layout must then only change between take() and resume().
  Reloader(std::string path, socketbox::table::LoadLimits limits,
           const CounterRegistry* counters = nullptr);
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Starts the worker thread, which runs `setup` first (sbd: its seccomp
  // filter, since a filter covers only the thread that installs it and
  // syncing it to all threads needs the seccomp() call, which systemd's
  // SystemCallFilter= may deny). Called once privileges are dropped (a
  // thread keeps the capabilities of the moment it is created). Throws
  // SetupError with what `setup` threw. request() starts it too.
  void start(void (*setup)() = nullptr);

  // Asks for a reload. Returns the ticket whose result will answer it: a new
  // job when idle, else the one queued behind the running job (shared by
  // every request made meanwhile).
  std::uint64_t request();
  bool busy() const noexcept { return running_ != 0; }

  // Readable when a result is ready.
  int event_fd() const noexcept { return event_.get(); }
  // The finished job's result. Call when event_fd() is readable. False if
  // nothing was finished (spurious). The worker then stays idle until
  // resume(): install the result first.
  bool take(ReloadResult& out);
  // Starts the queued job, if one was asked for meanwhile.
  void resume();

  // Hands something that went out of service (a table, old counters) to
  // the worker to free, so that freeing a huge one does not stall the loop.
  void dispose(std::shared_ptr<const void> garbage);

 private:
  struct Shared;
  static void work(std::shared_ptr<Shared> s);
  void submit(std::uint64_t ticket);

  std::shared_ptr<Shared> shared_;  // also held by the worker thread
  UniqueFd event_;
  bool started_ = false;
  std::uint64_t next_ticket_ = 1;
  std::uint64_t running_ = 0;  // ticket of the job in the worker, 0: idle
  std::uint64_t queued_ = 0;   // ticket waiting behind it, 0: none
};

}  // namespace socketbox::daemon

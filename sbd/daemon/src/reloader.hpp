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

#include "socketbox/table/limits.hpp"
#include "socketbox/table/table.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

struct ReloadResult {
  std::uint64_t ticket = 0;                              // which request this answers
  std::shared_ptr<const socketbox::table::Table> table;  // null: failed
  std::vector<std::string> warnings;
  std::string error;  // one line, names the file
};

class Reloader {
 public:
  // The worker's niceness: it gets about a tenth of a CPU the loop wants.
  static constexpr int kWorkerNice = 10;

  // Throws SetupError (no eventfd).
  Reloader(std::string path, socketbox::table::LoadLimits limits);
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Starts the worker thread. Called once privileges are dropped (a thread
  // keeps the capabilities of the moment it is created) and before the
  // seccomp filter; request() starts it too if nobody did.
  void start();

  // Asks for a reload. Returns the ticket whose result will answer it: a new
  // job when idle, else the one queued behind the running job (shared by
  // every request made meanwhile).
  std::uint64_t request();
  bool busy() const noexcept { return running_ != 0; }

  // Readable when a result is ready.
  int event_fd() const noexcept { return event_.get(); }
  // The finished job's result; starts the queued job if there is one. Call
  // when event_fd() is readable. False if nothing was finished (spurious).
  bool take(ReloadResult& out);

  // Hands a table that went out of service to the worker to free, so that
  // freeing a huge table does not stall the loop either.
  void dispose(std::shared_ptr<const socketbox::table::Table> t);

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

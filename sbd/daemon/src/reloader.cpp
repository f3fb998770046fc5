#include "reloader.hpp"

#include <malloc.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>

#include "active_table.hpp"
#include "setup_error.hpp"

namespace socketbox::daemon {

namespace tbl = socketbox::table;

struct Reloader::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::string path;
  tbl::LoadLimits limits;
  const CounterRegistry* counters = nullptr;
  int event_fd = -1;  // owned by the Reloader; written only while it lives
  bool stop = false;
  bool ready = false;         // the worker has set itself up
  void (*setup)() = nullptr;  // run by the worker first (its own seccomp filter)
  std::string setup_error;    // what setup threw
  std::uint64_t job = 0;      // ticket to build, 0: none
  bool done = false;
  ReloadResult result;
  std::vector<std::shared_ptr<const void>> garbage;
};

namespace {

ReloadResult build(const std::string& path, const tbl::LoadLimits& limits,
                   const CounterRegistry* counters) {
  ReloadResult r;
  try {
    r.table = load_table(path, limits);
    r.warnings = table_warnings(*r.table);
    if (counters) r.counters = std::make_unique<PreparedCounters>(counters->prepare(*r.table));
  } catch (const std::bad_alloc&) {
    r.table.reset();
    r.counters.reset();
    r.error = path + ": out of memory while loading the table";
  } catch (const std::exception& e) {
    r.table.reset();
    r.counters.reset();
    r.error = e.what();
  }
  return r;
}

}  // namespace

void Reloader::work(std::shared_ptr<Shared> s) {
  // Building a table is background work: on a busy machine the loop's
  // dispatching comes first. (Per thread on Linux; raising niceness needs
  // no privilege. Done before start() returns, so before any seccomp filter.)
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kWorkerNice);
  std::unique_lock lk(s->mu);
  if (s->setup) {
    try {
      s->setup();
    } catch (const std::exception& e) {
      s->setup_error = e.what();
      s->stop = true;
    }
  }
  s->ready = true;
  s->cv.notify_all();
  for (;;) {
    s->cv.wait(lk, [&] { return s->stop || s->job != 0 || !s->garbage.empty(); });
    if (s->stop) return;
    if (!s->garbage.empty()) {
      auto g = std::move(s->garbage);
      s->garbage.clear();
      lk.unlock();
      g.clear();       // the frees happen here, off the loop
      malloc_trim(0);  // and a huge table's memory goes back to the kernel
      lk.lock();
      continue;
    }
    const std::uint64_t ticket = s->job;
    const std::string path = s->path;
    const tbl::LoadLimits limits = s->limits;
    lk.unlock();
    ReloadResult r = build(path, limits, s->counters);
    r.ticket = ticket;
    lk.lock();
    if (s->stop) return;  // the Reloader is gone, and its eventfd with it
    s->job = 0;
    s->result = std::move(r);
    s->done = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(s->event_fd, &one, sizeof one);
  }
}

Reloader::Reloader(std::string path, tbl::LoadLimits limits, const CounterRegistry* counters)
    : shared_(std::make_shared<Shared>()), event_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!event_) throw SetupError(errno_text("cannot create an eventfd", errno));
  shared_->path = std::move(path);
  shared_->limits = limits;
  shared_->counters = counters;
  shared_->event_fd = event_.get();
}

Reloader::~Reloader() {
  {
    std::lock_guard lk(shared_->mu);
    shared_->stop = true;
  }
  shared_->cv.notify_all();
  // The thread was detached at start: a busy worker finishes (or not) on
  // its own and never touches the eventfd again; the process may exit first.
}

void Reloader::start(void (*setup)()) {
  if (started_) return;
  shared_->setup = setup;
  std::thread(work, shared_).detach();
  started_ = true;
  std::unique_lock lk(shared_->mu);
  shared_->cv.wait(lk, [this] { return shared_->ready; });
  if (!shared_->setup_error.empty()) throw SetupError(shared_->setup_error);
}

void Reloader::submit(std::uint64_t ticket) {
  start();
  {
    std::lock_guard lk(shared_->mu);
    shared_->job = ticket;
  }
  shared_->cv.notify_one();
  running_ = ticket;
}

std::uint64_t Reloader::request() {
  if (running_ == 0) {
    const std::uint64_t t = next_ticket_++;
    submit(t);
    return t;
  }
  if (queued_ == 0) queued_ = next_ticket_++;
  return queued_;
}

bool Reloader::take(ReloadResult& out) {
  std::uint64_t ticks;
  [[maybe_unused]] ssize_t n = read(event_.get(), &ticks, sizeof ticks);
  {
    std::lock_guard lk(shared_->mu);
    if (!shared_->done) return false;
    shared_->done = false;
    out = std::move(shared_->result);
    shared_->result = {};
  }
  running_ = 0;
  return true;
}

void Reloader::resume() {
  if (running_ == 0 && queued_ != 0) {
    const std::uint64_t t = queued_;
    queued_ = 0;
    submit(t);
  }
}

void Reloader::dispose(std::shared_ptr<const void> t) {
  if (!t || !started_) return;  // not started: freed here
  {
    std::lock_guard lk(shared_->mu);
    shared_->garbage.push_back(std::move(t));
  }
  shared_->cv.notify_one();
}

}  // namespace socketbox::daemon

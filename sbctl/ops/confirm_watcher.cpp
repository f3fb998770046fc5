#include "ops/confirm_watcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "ops/transaction.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/unique_fd.hpp"
#include "state/generation_store.hpp"
#include "state/snapshot.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

void log_line(const std::string& s) {
  std::fprintf(stderr, "%ld sbctl confirm watcher: %s\n", static_cast<long>(std::time(nullptr)),
               s.c_str());
  std::fflush(stderr);
}

// The detached watcher keeps none of its parent's descriptors.
void close_from(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  // Kernels before 5.9: one by one, up to the real limit.
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = first; fd < (max > 0 ? max : 65536); ++fd) ::close(static_cast<int>(fd));
}

// After a rollback by a failed probe: does the kernel hold the state from
// before the generation again? (`netplan try` was seen not to revert at all;
// this one says so instead of trusting itself.)
std::string check_rollback(const GenerationStore& store, unsigned id) {
  try {
    const Snapshot before = load_snapshot(store.path_of(id) + "/before");
    const auto drift = netcfg::object_drift(before.kernel, netcfg::read_kernel_state());
    if (drift.empty()) return "verified: the kernel state equals the one from before";
    std::string s = "differs: the kernel state after the rollback is not the one from before (";
    for (std::size_t i = 0; i < drift.size(); ++i) {
      if (i) s += "; ";
      s += (drift[i].kind == netcfg::Change::Kind::Add      ? "missing: "
            : drift[i].kind == netcfg::Change::Kind::Remove ? "extra: "
                                                            : "changed: ") +
           drift[i].what;
    }
    return s + ")";
  } catch (const std::exception& e) {
    return std::string("differs: the kernel state could not be read back: ") + e.what();
  }
}

// Runs the probes, then confirms or rolls back under the store's lock.
int probe_and_decide(GenerationStore& store, unsigned id, const std::vector<ProbePlan>& probes) {
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  // Milliseconds since the watcher started probing, for the log.
  auto since_start = [&start] {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return std::to_string((now.tv_sec - start.tv_sec) * 1000 +
                          (now.tv_nsec - start.tv_nsec) / 1000000) +
           " ms after the probes started";
  };
  const std::string gen = "generation " + std::to_string(id);
  const std::string control = store.read_meta(id).control;
  log_line(gen + ": running " + std::to_string(probes.size()) + " probe" +
           (probes.size() == 1 ? "" : "s"));
  std::string failure, passed;
  for (const auto& p : probes) {
    const std::string why = run_probe(p, control);
    if (!why.empty()) {
      failure = "probe " + p.label + ": " + why;
      log_line(failure);
      break;
    }
    log_line("probe " + p.label + ": passed (sbd handed it to " + p.target + ")");
    passed += (passed.empty() ? "" : ", ") + p.label;
  }
  store.lock();
  GenerationMeta m = store.read_meta(id);
  if (m.state != GenState::Pending || store.current() != id) {
    log_line(gen + " was " + std::string(to_word(m.state)) + " before the probes finished");
    return 0;
  }
  if (failure.empty()) {
    m.probe_result = "passed";
    m.probe = "passed: " + passed;
    log_line(gen + " confirmed: probes passed (" + since_start() + ")");
    confirm_generation(store, m, "confirmed: probes passed");
    return 0;
  }
  m.probe_result = "failed";
  m.probe = failure;
  store.write_meta(m);
  std::vector<std::string> warnings;
  std::string rollback_error;
  try {
    rollback_generation(store, id, RollbackReason::ProbeFailed, "rolled back at once: " + failure,
                        warnings);
  } catch (const std::exception& e) {
    // The generation stays current and pending; the check below and the
    // record say how far the box is from the state before.
    rollback_error = e.what();
  }
  for (const auto& w : warnings) log_line("warning: " + w);
  if (rollback_error.empty())
    log_line(gen + " rolled back at once (" + since_start() + "): " + failure);
  else
    log_line("ERROR: " + gen + ": the rollback after the failed probe failed: " + rollback_error);
  m = store.read_meta(id);
  m.rollback_check = check_rollback(store, id);
  if (!rollback_error.empty() && m.rollback_check.rfind("verified", 0) == 0)
    m.rollback_check = "differs: the rollback failed (" + rollback_error +
                       "), though the kernel state equals the one from before";
  else if (!rollback_error.empty())
    m.rollback_check += "; the rollback failed: " + rollback_error;
  // Logged first: apply returns as soon as the check is in the meta file.
  const bool verified = m.rollback_check.rfind("verified", 0) == 0;
  if (verified)
    log_line(gen + ": rollback " + m.rollback_check);
  else
    log_line("ERROR: " + gen + ": rollback incomplete: " + m.rollback_check);
  store.write_meta(m);
  return verified ? 0 : kRollbackIncomplete;
}

// The watcher's life: poll the generation's state (cheap: one small file)
// until it is no longer pending or the deadline passes, then decide under
// the store's lock so that a `confirm` at the last moment is not lost.
int watch(const std::string& state_dir, unsigned id, const std::vector<ProbePlan>& probes) {
  try {
    GenerationStore store(state_dir);
    if (!probes.empty()) return probe_and_decide(store, id, probes);
    for (;;) {
      const GenerationMeta m = store.read_meta(id);
      if (m.state != GenState::Pending) {
        log_line("generation " + std::to_string(id) + " is " + std::string(to_word(m.state)) +
                 "; nothing to do");
        return 0;
      }
      if (std::time(nullptr) >= m.deadline) break;
      timespec ts{0, 100 * 1000 * 1000};
      ::nanosleep(&ts, nullptr);
    }
    store.lock();
    const GenerationMeta m = store.read_meta(id);
    if (m.state != GenState::Pending || store.current() != id) {
      log_line("generation " + std::to_string(id) + " was " + std::string(to_word(m.state)) +
               " in time");
      return 0;
    }
    std::vector<std::string> warnings;
    rollback_generation(store, id, RollbackReason::NotConfirmed,
                        "not confirmed in time; rolled back by the confirm watcher", warnings);
    for (const auto& w : warnings) log_line("warning: " + w);
    log_line("generation " + std::to_string(id) + " was not confirmed in time: rolled back");
    return 0;
  } catch (const std::exception& e) {
    log_line(std::string("error: ") + e.what());
    return 1;
  }
}

}  // namespace

int spawn_confirm_watcher(const std::string& state_dir, unsigned id,
                          const std::vector<ProbePlan>& probes) {
  const std::string dir = state_dir + "/generations/" + std::to_string(id);
  const std::string log = dir + "/watcher.log";
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw FileError(std::string("pipe: ") + std::strerror(errno));
  UniqueFd rd(pipe_fds[0]), wr(pipe_fds[1]);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) throw FileError(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    // First child: new session, then fork again so the watcher is not a
    // session leader and is reparented to init when we exit.
    ::setsid();
    const pid_t grandchild = ::fork();
    if (grandchild != 0) {
      const int pid = grandchild;
      if (::write(wr.get(), &pid, sizeof pid) < 0) {
      }
      ::_exit(grandchild < 0 ? 1 : 0);
    }
    ::signal(SIGHUP, SIG_IGN);
    if (::chdir("/") != 0) {
    }
    const int null = ::open("/dev/null", O_RDWR);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(null, 0);
    ::dup2(out >= 0 ? out : null, 1);
    ::dup2(out >= 0 ? out : null, 2);
    close_from(3);
    ::_exit(watch(state_dir, id, probes));
  }
  wr.reset();
  int watcher = -1;
  ssize_t n;
  do n = ::read(rd.get(), &watcher, sizeof watcher);
  while (n < 0 && errno == EINTR);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != sizeof watcher || watcher <= 0) throw FileError("could not start the confirm watcher");
  write_file_atomic(dir + "/watcher.pid", std::to_string(watcher) + "\n");
  return watcher;
}

}  // namespace socketbox::sbctl

#include "splice_pump.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

namespace socketbox::relay {
namespace {

// Bytes asked for per splice call: the default pipe's capacity (16 pages).
constexpr std::size_t kChunk = 1 << 16;
constexpr unsigned kFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;

}  // namespace

bool PipePool::take(UniqueFd& r, UniqueFd& w) noexcept {
  idle_ticks_ = 0;
  if (!free_.empty()) {
    r = std::move(free_.back().r);
    w = std::move(free_.back().w);
    free_.pop_back();
    return true;
  }
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) return false;
  r.reset(p[0]);
  w.reset(p[1]);
  return true;
}

void PipePool::give(UniqueFd& r, UniqueFd& w) noexcept {
  if (!r || !w || free_.size() >= kMaxPipes) {
    r.reset();
    w.reset();
    return;
  }
  free_.push_back({std::move(r), std::move(w)});  // reserved: no allocation
}

void PipePool::on_tick() noexcept {
  if (free_.empty() || ++idle_ticks_ < kIdleTicks) return;
  free_.clear();
  idle_ticks_ = 0;
}

bool SplicePump::open(PipePool& pool) noexcept {
  queued_ = 0;
  eof_ = shut_ = false;
  return pool.take(r_, w_);
}

void SplicePump::close(PipePool& pool) noexcept {
  // Bytes still in the pipe belong to this connection: such a pipe is closed.
  if (queued_ == 0)
    pool.give(r_, w_);
  else {
    r_.reset();
    w_.reset();
  }
  queued_ = 0;
  eof_ = shut_ = false;
}

SplicePump::Step SplicePump::step(int from, int to, std::uint64_t& moved, bool closing) noexcept {
  moved = 0;
  bool progress = false;
  for (;;) {
    bool again = false;
    if (!eof_) {
      // EAGAIN here means the source is drained or the pipe is full; either
      // way the write below (or a later edge) gets things going again.
      const ssize_t n = splice(from, nullptr, w_.get(), nullptr, kChunk, kFlags);
      if (n > 0) {
        queued_ += static_cast<std::size_t>(n);
        again = true;
      } else if (n == 0) {
        eof_ = true;
        again = true;
      } else if (errno != EAGAIN && errno != EINTR) {
        return Step::kError;
      }
    }
    if (queued_ > 0) {
      const ssize_t n = splice(r_.get(), nullptr, to, nullptr, queued_, kFlags);
      if (n > 0) {
        queued_ -= static_cast<std::size_t>(n);
        moved += static_cast<std::uint64_t>(n);
        again = true;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return Step::kError;
      }
    }
    if (eof_ && queued_ == 0 && !shut_) {
      shut_ = true;
      // ENOTCONN: the peer is already gone; the other direction finds out.
      if (!closing) shutdown(to, SHUT_WR);
      again = true;
    }
    if (!again) break;
    progress = true;
    if (shut_) break;
  }
  return progress ? Step::kProgress : Step::kIdle;
}

}  // namespace socketbox::relay

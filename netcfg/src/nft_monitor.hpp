// Follows the nf_tables commits of the current network namespace (the
// NFNLGRP_NFTABLES notifications nft monitor shows), so that a changed
// generation can be told apart: did a commit touch the socketbox table, or
// only other tables? Another tool committing to its own table as fast as it
// can moves the generation all the time, and must not stop an apply.
#pragma once

#include <cstdint>

#include "handles.hpp"

namespace socketbox::netcfg {

class NftMonitor {
 public:
  // Subscribes before anything is read: every later commit is seen.
  NftMonitor();

  // Starts a new window: commits seen in full so far no longer count (one
  // whose notifications were seen only in part still does: it may still be
  // changing the table).
  void forget() { touched_ = open_commit_touched_; }

  // Reads the notifications up to the one for generation `gen` (as GETGEN
  // answered after this monitor was made) and says whether, since forget()
  // or construction, no commit touched table inet socketbox and none was
  // missed (a full socket buffer, no notification in time). Conservative:
  // true only when sure.
  bool untouched_through(std::uint32_t gen);

 private:
  void take(const char* buf, std::size_t len);

  MnlSocketPtr nl_;
  std::uint32_t last_gen_ = 0;  // the newest generation whose commit was seen
  bool touched_ = false;
  bool open_commit_touched_ = false;  // by a commit whose NEWGEN has not come yet
};

}  // namespace socketbox::netcfg

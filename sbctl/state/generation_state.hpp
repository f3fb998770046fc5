// What a generation is and went through, as types. The meta file stores
// them as words; they are parsed once, at the file boundary
// (generation_store.cpp), and compared as enums everywhere else.
#pragma once

#include <optional>
#include <string_view>

namespace socketbox::sbctl {

enum class GenState {
  Incomplete,   // being applied, or the run died: the next command repairs it
  Interrupted,  // a run died mid-change; the state from before it was put back
  Pending,      // applied with --confirm, awaiting 'sbctl confirm'
  Applied,      // in force
  RolledBack,   // undone; see the reason
};

enum class GenKind { Apply, Down, Drain, Undrain };

// Why a generation was rolled back (RolledBack only).
enum class RollbackReason {
  None,
  Operator,      // 'sbctl rollback'
  NotConfirmed,  // the confirm watcher's deadline passed
  ProbeFailed,   // an `apply --probe` check failed; the watcher rolled back at once
};

std::string_view to_word(GenState s) noexcept;
std::string_view to_word(GenKind k) noexcept;
std::string_view to_word(RollbackReason r) noexcept;
std::optional<GenState> parse_gen_state(std::string_view w) noexcept;
std::optional<GenKind> parse_gen_kind(std::string_view w) noexcept;
std::optional<RollbackReason> parse_rollback_reason(std::string_view w) noexcept;

}  // namespace socketbox::sbctl

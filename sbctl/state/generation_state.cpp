#include "state/generation_state.hpp"

#include <array>
#include <utility>

namespace socketbox::sbctl {
namespace {

// One table per enum: the words written to and read from meta files.
constexpr std::array<std::pair<GenState, std::string_view>, 5> kStates{{
    {GenState::Incomplete, "incomplete"},
    {GenState::Interrupted, "interrupted"},
    {GenState::Pending, "pending"},
    {GenState::Applied, "applied"},
    {GenState::RolledBack, "rolled-back"},
}};
constexpr std::array<std::pair<GenKind, std::string_view>, 4> kKinds{{
    {GenKind::Apply, "apply"},
    {GenKind::Down, "down"},
    {GenKind::Drain, "drain"},
    {GenKind::Undrain, "undrain"},
}};
constexpr std::array<std::pair<RollbackReason, std::string_view>, 4> kReasons{{
    {RollbackReason::None, ""},
    {RollbackReason::Operator, "operator"},
    {RollbackReason::NotConfirmed, "not-confirmed"},
    {RollbackReason::ProbeFailed, "probe-failed"},
}};

template <typename E, std::size_t N>
std::string_view word_of(const std::array<std::pair<E, std::string_view>, N>& t, E v) noexcept {
  for (const auto& [e, w] : t)
    if (e == v) return w;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& t,
                       std::string_view w) noexcept {
  for (const auto& [e, word] : t)
    if (word == w) return e;
  return std::nullopt;
}

}  // namespace

std::string_view to_word(GenState s) noexcept { return word_of(kStates, s); }
std::string_view to_word(GenKind k) noexcept { return word_of(kKinds, k); }
std::string_view to_word(RollbackReason r) noexcept { return word_of(kReasons, r); }
std::optional<GenState> parse_gen_state(std::string_view w) noexcept { return parse(kStates, w); }
std::optional<GenKind> parse_gen_kind(std::string_view w) noexcept { return parse(kKinds, w); }
std::optional<RollbackReason> parse_rollback_reason(std::string_view w) noexcept {
  return parse(kReasons, w);
}

}  // namespace socketbox::sbctl

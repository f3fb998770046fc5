// read_kernel_state(), apply() and remove_all(): the orchestration. apply()
// replaces the nft table in one transaction, then converges the routes; on
// any failure it puts back the table it read before and undoes the route
// changes it made, so the namespace is left as it was.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <optional>
#include <string>

#include "diff_parts.hpp"
#include "error.hpp"
#include "fault_point.hpp"
#include "nft_interpret.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/netcfg/nft_steps.hpp"
#include "socketbox/netcfg/retry.hpp"
#include "socketbox/netcfg/routes.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::netcfg {
namespace {

KernelState state_from(const std::optional<NftObjects>& nft, std::vector<Prefix> routes,
                       std::vector<std::string> route_oddities) {
  KernelState k;
  if (nft) {
    k.table_present = true;
    Interpreted i = interpret_nft(*nft);
    k.steering = std::move(i.steering);
    k.items = std::move(i.items);
    k.unrecognized = std::move(i.unrecognized);
    k.limit_trips = std::move(i.limit_trips);
    k.steer_counters = std::move(i.steer_counters);
  }
  k.routes = std::move(routes);
  k.unrecognized.insert(k.unrecognized.end(), route_oddities.begin(), route_oddities.end());
  return k;
}

// TPROXY to [::ffff:127.0.0.1] needs the IPv6 stack even for IPv4 traffic.
void require_ipv6() {
  const UniqueFd fd(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd && errno == EAFNOSUPPORT)
    throw_error(
        "IPv6 is disabled in this kernel (ipv6.disable=1?): sbd's TPROXY target [::ffff:127.0.0.1] "
        "needs it, "
        "for IPv4 traffic too");
}

}  // namespace

KernelState read_kernel_state() {
  NftSnapshot nft = read_nft_table();
  RouteSocket rs;
  std::vector<std::string> odd;
  std::vector<Prefix> routes = rs.read_local_routes(&odd);
  return state_from(nft.table, std::move(routes), std::move(odd));
}

namespace {

// Commits tried again at once within one pass, against a writer that keeps
// committing to other tables (each try costs one GETGEN and one batch).
constexpr int kRecommits = 64;

// One read-diff-commit pass. Throws ConcurrentChange, with nothing changed,
// if the ruleset changed between reading it and the commit.
void apply_once(const DesiredState& desired, const NftObjects& table) {
  // What is there now, kept as it was read so it can be loaded back verbatim.
  NftMonitor monitor;
  const NftSnapshot snapshot = read_nft_table(&monitor);
  const std::optional<NftObjects>& before_nft = snapshot.table;
  RouteSocket rs;
  const std::vector<Prefix> before_routes = rs.read_local_routes();
  const KernelState before = state_from(before_nft, before_routes, {});

  const std::vector<Prefix> want = desired_routes(desired);
  const bool routes_to_add = std::any_of(want.begin(), want.end(), [&](const Prefix& p) {
    return !std::binary_search(before_routes.begin(), before_routes.end(), p);
  });
  if (routes_to_add && !rs.loopback_up())
    throw_error(
        "the loopback interface is down in this network namespace; socketbox's local routes need "
        "it "
        "(ip link set lo up)");

  const bool nft_changes = !diff_nft(desired, before).empty();
  if (nft_changes) {
    std::uint32_t generation = snapshot.generation;
    for (int recommit = 0;; ++recommit) {
      try {
        // Only if nobody changed the ruleset since `generation`.
        replace_nft_table(&table, generation);
        break;
      } catch (const ConcurrentChange&) {
        // Other tools' commits to their own tables move the generation too.
        // If none touched the socketbox table since it was read, the
        // snapshot still holds at the new generation: commit at once.
        // Otherwise (or too often) the caller reads everything again.
        const std::uint32_t now = read_nft_generation();
        if (recommit >= kRecommits || !monitor.untouched_through(now)) throw;
        generation = now;
      } catch (const NetcfgError& e) {
        throw NetcfgError(std::string("applying the nft table: ") + e.what());
      }
    }
  }

  // Route steps are idempotent: a route another tool added or removed in
  // the meantime is no failure, and only what this pass changed is undone.
  std::vector<Prefix> added, removed;
  try {
    fault_point("after-nft");
    bool injected = false;
    auto step_done = [&] {
      if (!injected) {
        injected = true;
        fault_point("mid-routes");
      }
    };
    // Additions first: a prefix moving between blocks never loses its route.
    std::vector<Prefix> to_add, to_remove;
    std::set_difference(want.begin(), want.end(), before_routes.begin(), before_routes.end(),
                        std::back_inserter(to_add));
    std::set_difference(before_routes.begin(), before_routes.end(), want.begin(), want.end(),
                        std::back_inserter(to_remove));
    rs.add_local_routes(to_add, added, step_done);
    rs.delete_local_routes(to_remove, removed, step_done);
    step_done();
  } catch (const NetcfgError& e) {
    std::string problems;
    auto attempt = [&](const std::string& what, auto&& fn) {
      try {
        fn();
      } catch (const std::exception& err) {
        problems += "; could not put back " + what + ": " + err.what();
      }
    };
    for (auto it = added.rbegin(); it != added.rend(); ++it)
      attempt(route_text(*it), [&] { rs.delete_local_route(*it); });
    for (auto it = removed.rbegin(); it != removed.rend(); ++it)
      attempt(route_text(*it), [&] { rs.add_local_route(*it); });
    if (nft_changes)
      attempt("the nft table", [&] { replace_nft_table(before_nft ? &*before_nft : nullptr); });
    if (problems.empty())
      throw NetcfgError(std::string("applying routes: ") + e.what() +
                        "; the previous nft table and routes were put back");
    throw NetcfgError(std::string("applying routes: ") + e.what() + problems);
  }
}

}  // namespace

void apply(const DesiredState& desired_in, const RetryPolicy& retry) {
  const DesiredState desired = normalize(desired_in);
  validate(desired);

  require_ipv6();

  // Built once, before any reading: the window between reading the
  // generation and committing stays short.
  const NftObjects table = build_nft(desired);
  run_with_retry(retry, [&] { apply_once(desired, table); });
}

void remove_all() {
  replace_nft_table(nullptr);
  RouteSocket rs;
  rs.delete_all_tagged();
}

}  // namespace socketbox::netcfg

#include "kernel_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>

namespace sbtest {

CmdResult run(const std::string& cmd) {
  CmdResult r{-1, ""};
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  const int status = pclose(f);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%x%x", static_cast<unsigned>(getpid()) & 0xfffff, counter++);
  return buf;
}

bool kernel_tests_possible() {
  static int cached = -1;
  if (cached < 0) {
    cached = 0;
    if (geteuid() == 0) {
      const std::string probe = "sbncprobe" + unique_suffix();
      if (run("ip netns add " + probe).rc == 0) {
        run("ip netns del " + probe);
        cached = 1;
      }
    }
  }
  return cached == 1;
}

TestNetns::TestNetns(const std::string& tag) : name_("sbnc" + tag + unique_suffix()) {
  auto r = run("ip netns add " + name_);
  if (r.rc != 0) FAIL("ip netns add " << name_ << ": " << r.out);
  sh("ip link set lo up");
}

TestNetns::~TestNetns() {
  // Anything still running in it (none expected) goes with it.
  run("ip netns pids " + name_ + " | xargs -r kill -KILL");
  run("ip netns del " + name_);
}

CmdResult TestNetns::try_sh(const std::string& cmd) const {
  return run("ip netns exec " + name_ + " sh -c '" + cmd + "'");
}

std::string TestNetns::sh(const std::string& cmd) const {
  auto r = try_sh(cmd);
  INFO("in netns " << name_ << ": " << cmd << "\n" << r.out);
  REQUIRE(r.rc == 0);
  return r.out;
}

std::string nft_listing(const TestNetns& ns) {
  auto r = ns.try_sh("nft list table inet socketbox");
  return r.rc == 0 ? r.out : "";
}

std::string render_body(const socketbox::netcfg::DesiredState& d) {
  const std::string text = socketbox::netcfg::render_nft(d);
  const auto at = text.find("table inet socketbox {");
  REQUIRE(at != std::string::npos);
  return text.substr(at);
}

socketbox::netcfg::KernelState read_in(const TestNetns& ns) {
  socketbox::netcfg::NetnsScope in(ns.name());
  return socketbox::netcfg::read_kernel_state();
}

void require_steering_holds(const TestNetns& ns, const socketbox::netcfg::DesiredState& d) {
  using namespace socketbox::netcfg;
  CHECK(nft_listing(ns) == render_body(d));
  const KernelState k = read_in(ns);
  CHECK(k.table_present);
  CHECK(k.unrecognized.empty());
  CHECK(k.steering.steers == normalize(d).steers);
  CHECK(k.steering.local_clients == d.local_clients);
  CHECK(diff(d, k).empty());
  CHECK(object_drift(d, k).empty());
}

CmdResult load_rendered(const TestNetns& ns, const socketbox::netcfg::DesiredState& d) {
  const std::string path = "/tmp/sbnc-render-" + unique_suffix() + ".nft";
  const std::string text = socketbox::netcfg::render_nft(d);
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  INFO(text);
  const CmdResult check = ns.try_sh("nft -c -f " + path);
  const CmdResult load = check.rc == 0 ? ns.try_sh("nft -f " + path) : check;
  std::remove(path.c_str());
  return load;
}

std::vector<std::string> our_routes_from_ip(const TestNetns& ns) {
  std::vector<std::string> out;
  for (const std::string fam : {"-4", "-6"}) {
    const std::string json = ns.sh("ip " + fam + " -j route show table local proto 91");
    // One flat object per route: {"type":"local","dst":"...","dev":"lo",...}
    for (std::size_t open = json.find('{'); open != std::string::npos;
         open = json.find('{', open + 1)) {
      const std::size_t close = json.find('}', open);
      REQUIRE(close != std::string::npos);
      const std::string o = json.substr(open, close - open + 1);
      const std::string key = "\"dst\":\"";
      const std::size_t at = o.find(key);
      if (at == std::string::npos) continue;
      const std::size_t end = o.find('"', at + key.size());
      INFO("route object: " << o);
      CHECK(o.find("\"type\":\"local\"") != std::string::npos);
      CHECK(o.find("\"dev\":\"lo\"") != std::string::npos);
      if (fam == "-4") CHECK(o.find("\"scope\":\"host\"") != std::string::npos);  // IPv6 shows none
      out.push_back(o.substr(at + key.size(), end - at - key.size()));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string all_local_routes(const TestNetns& ns) {
  return ns.sh("ip -4 route show table local; ip -6 route show table local");
}

socketbox::netcfg::Prefix P(const char* text) {
  auto p = socketbox::netcfg::Prefix::parse(text);
  REQUIRE(p);
  return *p;
}

}  // namespace sbtest

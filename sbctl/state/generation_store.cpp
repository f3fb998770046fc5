#include "state/generation_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

std::optional<unsigned> parse_id(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned long v = std::strtoul(s.c_str(), nullptr, 10);
  if (v == 0) return std::nullopt;
  return static_cast<unsigned>(v);
}

void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") remove_tree(path + "/" + name);
      }
      ::closedir(d);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

}  // namespace

void GenerationStore::lock() {
  make_dirs(dir_ + "/generations", 0755);
  const std::string path = dir_ + "/lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw FileError("cannot open " + path + ": " + std::strerror(errno));
  while (::flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) throw FileError("cannot lock " + path + ": " + std::strerror(errno));
  lock_fd_ = std::move(fd);
}

std::optional<unsigned> GenerationStore::current() const {
  char buf[256];
  const std::string link = dir_ + "/current";
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw FileError("cannot read " + link + ": " + std::strerror(errno));
  }
  std::string target(buf, static_cast<std::size_t>(n));
  const auto slash = target.find_last_of('/');
  if (slash != std::string::npos) target = target.substr(slash + 1);
  return parse_id(target);
}

void GenerationStore::set_current(std::optional<unsigned> id) {
  const std::string link = dir_ + "/current";
  if (!id) {
    remove_file(link);
    return;
  }
  // A new symlink renamed over the old one: `current` is never missing.
  const std::string tmp = link + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  if (::symlink(("generations/" + std::to_string(*id)).c_str(), tmp.c_str()) != 0)
    throw FileError("cannot create " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    throw FileError("cannot update " + link + ": " + std::strerror(saved));
  }
}

std::vector<unsigned> GenerationStore::list() const {
  std::vector<unsigned> ids;
  if (DIR* d = ::opendir((dir_ + "/generations").c_str())) {
    while (dirent* e = ::readdir(d))
      if (auto id = parse_id(e->d_name)) ids.push_back(*id);
    ::closedir(d);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

unsigned GenerationStore::next_id() const {
  const auto ids = list();
  return ids.empty() ? 1 : ids.back() + 1;
}

bool GenerationStore::exists(unsigned id) const {
  struct stat st {};
  return ::stat((path_of(id) + "/meta").c_str(), &st) == 0;
}

GenerationMeta GenerationStore::read_meta(unsigned id) const {
  GenerationMeta m;
  m.id = id;
  const std::string path = path_of(id) + "/meta";
  std::istringstream in(read_file(path));
  std::string line;
  unsigned lineno = 0;
  // A word this version does not know is an error, not a silent default.
  auto word = [&](const char* what, auto parsed, const std::string& v) {
    if (!parsed)
      throw FileError(path + ":" + std::to_string(lineno) + ": unknown " + what + " '" + v + "'");
    return *parsed;
  };
  while (std::getline(in, line)) {
    ++lineno;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "state")
      m.state = word("state", parse_gen_state(v), v);
    else if (k == "kind")
      m.kind = word("kind", parse_gen_kind(v), v);
    else if (k == "reason")
      m.reason = word("rollback reason", parse_rollback_reason(v), v);
    else if (k == "previous")
      m.previous = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
    else if (k == "profile")
      m.profile = v;
    else if (k == "netns")
      m.netns = v;
    else if (k == "table")
      m.table = v;
    else if (k == "control")
      m.control = v;
    else if (k == "relay_config")
      m.relay_config = v;
    else if (k == "relay_control")
      m.relay_control = v;
    else if (k == "created")
      m.created = static_cast<std::time_t>(std::strtoll(v.c_str(), nullptr, 10));
    else if (k == "deadline")
      m.deadline = static_cast<std::time_t>(std::strtoll(v.c_str(), nullptr, 10));
    else if (k == "note")
      m.note = v;
    else if (k == "probe_result")
      m.probe_result = v;
    else if (k == "probe")
      m.probe = v;
    else if (k == "rollback_check")
      m.rollback_check = v;
    else if (k == "drained") {
      const auto tab = v.find('\t');
      m.drained.emplace_back(v.substr(0, tab), tab == std::string::npos ? "" : v.substr(tab + 1));
    }
  }
  return m;
}

void GenerationStore::write_meta(const GenerationMeta& m) const {
  auto clean = [](std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  };
  std::string out;
  out += "state=" + std::string(to_word(m.state)) + "\n";
  out += "kind=" + std::string(to_word(m.kind)) + "\n";
  out += "reason=" + std::string(to_word(m.reason)) + "\n";
  out += "previous=" + std::to_string(m.previous) + "\n";
  out += "profile=" + clean(m.profile) + "\n";
  out += "netns=" + clean(m.netns) + "\n";
  out += "table=" + clean(m.table) + "\n";
  out += "control=" + clean(m.control) + "\n";
  if (!m.relay_config.empty()) out += "relay_config=" + clean(m.relay_config) + "\n";
  if (!m.relay_control.empty()) out += "relay_control=" + clean(m.relay_control) + "\n";
  out += "created=" + std::to_string(static_cast<long long>(m.created)) + "\n";
  out += "deadline=" + std::to_string(static_cast<long long>(m.deadline)) + "\n";
  for (const auto& [route, to] : m.drained)
    out += "drained=" + clean(route) + "\t" + clean(to) + "\n";
  out += "note=" + clean(m.note) + "\n";
  if (!m.probe_result.empty()) out += "probe_result=" + clean(m.probe_result) + "\n";
  if (!m.probe.empty()) out += "probe=" + clean(m.probe) + "\n";
  if (!m.rollback_check.empty()) out += "rollback_check=" + clean(m.rollback_check) + "\n";
  write_file_atomic(path_of(m.id) + "/meta", out);
}

std::string GenerationStore::create(unsigned id) const {
  std::string p = path_of(id);
  if (::mkdir(p.c_str(), 0755) != 0)
    throw FileError("cannot create " + p + ": " + std::strerror(errno));
  make_dirs(p + "/before");
  make_dirs(p + "/after");
  return p;
}

void GenerationStore::remove(unsigned id) const { remove_tree(path_of(id)); }

}  // namespace socketbox::sbctl

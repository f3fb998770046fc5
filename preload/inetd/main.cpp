// sb-inetd [options] PATH PROGRAM [ARGS...]
// Binds a socketbox receiving socket at PATH and runs PROGRAM for every
// socket received, with the socket as stdin and stdout (e.g. `sshd -i`).
#include <pwd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "socketbox/guarded_main.hpp"
#include "socketbox/version.hpp"
#include "supervisor.hpp"

namespace {

int run(int argc, char** argv) {
  using socketbox::inetd::Options;
  CLI::App app{
      "Receives sockets from sbd at PATH and runs PROGRAM for each, with the socket as stdin and "
      "stdout\n"
      "(stderr stays). Each child runs in its own session; sb-inetd reaps them."};
  app.set_version_flag("--version", std::string("sb-inetd ") + socketbox::kVersion);
  Options opts;
  std::string user;
  app.add_option("--max-children", opts.max_children,
                 "Run at most N children at once; further connections wait in the socket's queue "
                 "(0: no limit)")
      ->type_name("N");
  app.add_option("--require-uid,--uid", user,
                 "Accept sockets only from this sender uid or user name (e.g. sbd's); --uid is the "
                 "old name")
      ->type_name("UID");
  app.prefix_command();
  app.footer("Example: sb-inetd /run/socketbox/ssh.sock /usr/sbin/sshd -i");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "sb-inetd: " << e.what() << "\n";
    return 2;
  }
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
  if (rest.size() < 2) {
    std::cerr << "sb-inetd: expected PATH PROGRAM [ARGS...] (see --help)\n";
    return 2;
  }
  opts.path = rest.front();
  opts.command.assign(rest.begin() + 1, rest.end());
  if (!user.empty()) {
    opts.require_uid = true;
    if (user.find_first_not_of("0123456789") == std::string::npos && user.size() <= 10) {
      opts.uid = static_cast<uid_t>(std::stoul(user));
    } else if (struct passwd* pw = ::getpwnam(user.c_str())) {
      opts.uid = pw->pw_uid;
    } else {
      std::cerr << "sb-inetd: --require-uid '" << user << "': no such user\n";
      return 2;
    }
  }
  return socketbox::inetd::run_supervisor(opts);
}

}  // namespace

int main(int argc, char** argv) {
  return socketbox::guarded_main("sb-inetd", [&] { return run(argc, argv); });
}

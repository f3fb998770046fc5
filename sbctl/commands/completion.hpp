// `sbctl completion bash`: a bash completion script generated from the
// command line itself, so it can never list a verb or option sbctl lacks.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace socketbox::sbctl {

std::string bash_completion(const CLI::App& app);

}  // namespace socketbox::sbctl

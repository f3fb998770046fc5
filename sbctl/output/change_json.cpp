#include "output/change_json.hpp"

namespace socketbox::sbctl {

void write_kernel_changes(JsonWriter& w, const std::vector<netcfg::Change>& changes) {
  w.begin_array();
  for (const auto& c : changes) {
    const char* op = c.kind == netcfg::Change::Kind::Add      ? "add"
                     : c.kind == netcfg::Change::Kind::Remove ? "remove"
                                                              : "modify";
    w.begin_object().key("op").value(op).key("what").value(c.what).end_object();
  }
  w.end_array();
}

void write_strings(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items) w.value(s);
  w.end_array();
}

}  // namespace socketbox::sbctl

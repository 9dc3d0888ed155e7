#include <faultline/scenario.hpp>

#include <algorithm>

#include <faultline/error.hpp>

namespace faultline {

Registry& Registry::instance() {
  static Registry r;
  return r;
}

void Registry::add(Scenario s) {
  for (const auto& f : s.flaws) add_flaw(f.flaw);
  auto at = std::lower_bound(scenarios_.begin(), scenarios_.end(), s.name,
                             [](const Scenario& a, const std::string& n) { return a.name < n; });
  scenarios_.insert(at, std::move(s));
}

void Registry::add_flaw(const std::string& name) {
  if (std::find(flaws_.begin(), flaws_.end(), name) == flaws_.end()) {
    flaws_.push_back(name);
    std::sort(flaws_.begin(), flaws_.end());
  }
}

const Scenario* Registry::find(const std::string& name) const {
  for (const auto& s : scenarios_)
    if (s.name == name) return &s;
  return nullptr;
}

const Scenario& Registry::get(const std::string& name) const {
  if (const Scenario* s = find(name)) return *s;
  std::string known;
  for (const auto& s : scenarios_) known += (known.empty() ? "" : ", ") + s.name;
  usage_error("unknown scenario '" + name + "'", "choose one of: " + known + " (see 'faultline list')");
}

void Registry::check_flaws(const std::vector<std::string>& names) const {
  for (const auto& n : names) {
    if (std::find(flaws_.begin(), flaws_.end(), n) != flaws_.end()) continue;
    std::string known;
    for (const auto& f : flaws_) known += (known.empty() ? "" : ", ") + f;
    usage_error("unknown flaw '" + n + "'", "choose one of: " + known);
  }
}

Registration::Registration(Scenario (*make)()) { Registry::instance().add(make()); }

std::string expected_oracle(const Scenario& s, const std::vector<std::string>& flaws) {
  for (const auto& f : s.flaws)
    if (std::find(flaws.begin(), flaws.end(), f.flaw) != flaws.end() && !f.oracle.empty()) return f.oracle;
  return s.expected_oracle;
}

}  // namespace faultline

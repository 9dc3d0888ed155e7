#pragma once
/// Campaign reports (README "Reports"): results.json (versioned schema), junit.xml (one
/// testcase per scenario x oracle), and one file per finding that `faultline replay --finding`
/// and scripts/repro.py take directly. Every write is atomic.
#include <string>

#include <faultline/explorer.hpp>

namespace faultline {

/// Version of the results.json schema; bumped on any incompatible change.
/// 2: health warnings, determinism checks, watchdog kills, replays' divergence; the fault tree
/// (exhausted, exhausted_depth, tree_schedules) and distinct findings (bucket, hits, further_findings).
inline constexpr int kResultsSchemaVersion = 2;

std::string results_json(const CampaignResult& r);
std::string junit_xml(const CampaignResult& r);
/// A finding as a small text file of `key: value` lines.
std::string finding_text(const Finding& f);
/// File name for a finding: SCENARIO[+FLAWS]-ORACLE.finding
std::string finding_file_name(const Finding& f);

/// Writes results.json and junit.xml into `dir` (findings are written as they are found).
void write_reports(const std::string& dir, const CampaignResult& r);
/// Writes one finding file into DIR/findings/.
void write_finding(const std::string& dir, const Finding& f);

/// A finding file read back: scenario, flaws and schedule.
struct FindingFile {
  std::string scenario;
  std::vector<std::string> flaws;
  std::string schedule;
  std::string oracle;
};
FindingFile parse_finding_file(const std::string& text, const std::string& path);

}  // namespace faultline

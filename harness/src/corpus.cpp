// The corpus of past failures (plain text, replayed first by every campaign) and the replay
// command printed for a finding.
#include <faultline/explorer.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <faultline/atomic_file.hpp>
#include <faultline/error.hpp>

#include "text.hpp"

namespace faultline {

using detail::join;

namespace {
/// `word` as one shell word: as is if it holds only safe characters, else in single quotes.
std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-./=:,@%") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string replay_command(const std::string& program, const std::string& scenario, const Schedule& s,
                           const std::vector<std::string>& flaws) {
  std::string cmd = shell_word(program) + " replay " + scenario + " --schedule '" + to_string(s) + "'";
  for (const auto& f : flaws) cmd += " --flaw " + f;
  return cmd;
}

std::vector<Schedule> read_corpus(const std::string& dir, const std::string& scenario, const std::vector<std::string>& flaws) {
  std::vector<Schedule> out;
  std::ifstream in(dir + "/" + scenario + ".txt");
  if (!in) return out;
  std::string want = join(flaws, ",");
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string schedule, flaw_text;
    std::getline(fields, schedule, '\t');
    std::getline(fields, flaw_text, '\t');
    if (flaw_text == "-") flaw_text.clear();
    if (flaw_text != want) continue;
    try {
      out.push_back(parse_schedule(schedule));
    } catch (const Error& e) {
      usage_error(dir + "/" + scenario + ".txt line " + std::to_string(line_no) + ": " + e.what(), "fix or delete that line");
    }
  }
  return out;
}

void add_to_corpus(const std::string& dir, const Finding& f) {
  std::string path = dir + "/" + f.scenario + ".txt";
  std::string content;
  if (std::filesystem::exists(path)) content = read_file(path);
  else content = "# faultline corpus for " + f.scenario + ": SCHEDULE<TAB>FLAWS<TAB>ORACLE, replayed first by every campaign\n";
  std::string flaws = f.flaws.empty() ? "-" : join(f.flaws, ",");
  std::string entry = to_string(f.schedule) + "\t" + flaws + "\t" + f.oracle;
  std::istringstream lines(content);
  for (std::string l; std::getline(lines, l);)
    if (l == entry) return;
  if (!content.empty() && content.back() != '\n') content += '\n';
  write_file_atomic(path, content + entry + "\n");
}

}  // namespace faultline

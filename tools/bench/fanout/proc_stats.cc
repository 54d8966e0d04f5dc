#include "proc_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace shopcast::bench::fanout {

namespace {

// Fields 3.. of /proc/<pid>/stat (after the command name), or "" if unreadable.
std::string StatFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  // The command name (field 2) may hold spaces; the fields after its closing ')' are fixed.
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return "";
  return line.substr(close + 2);
}

}  // namespace

double ChildrenCpuSeconds(pid_t parent) {
  double sum = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    pid_t pid = 0;
    try {
      pid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
    } catch (const std::exception&) {
      continue;
    }
    std::istringstream fields(StatFields(pid));
    std::string state;
    long ppid = 0;
    if (!(fields >> state >> ppid) || ppid != parent) continue;
    const double cpu = CpuSeconds(pid);
    if (cpu > 0) sum += cpu;
  }
  return sum;
}

double CpuSeconds(pid_t pid) {
  const std::string line = StatFields(pid);
  if (line.empty()) return -1;
  std::istringstream rest(line);
  std::string field;
  // Fields 3.. follow; utime and stime are fields 14 and 15.
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      int64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return -1;
}

}  // namespace shopcast::bench::fanout

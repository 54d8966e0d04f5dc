#include "common/proc_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <sstream>
#include <stdexcept>
#include <string>

namespace shopcast::bench {
namespace {

struct Stat {
  pid_t ppid = -1;
  int64_t self_ticks = 0, children_ticks = 0;
};

// /proc/<pid>/stat: fields after the command name (which may hold spaces and parentheses, so
// parsing starts after the last ')'): state ppid … utime(14) stime(15) cutime(16) cstime(17).
bool ReadStat(pid_t pid, Stat& out) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  int64_t v[16] = {};
  // Field 3 (state) is v[0]; field n is v[n - 3].
  for (int i = 0; i < 16 && (in >> field); ++i) v[i] = i == 0 ? 0 : std::atoll(field.c_str());
  out.ppid = static_cast<pid_t>(v[1]);
  out.self_ticks = v[11] + v[12];
  out.children_ticks = v[13] + v[14];
  return true;
}

int64_t TicksToMicros(int64_t ticks) {
  static const int64_t hz = sysconf(_SC_CLK_TCK);
  return ticks * 1'000'000 / hz;
}

}  // namespace

int64_t ProcessCpuMicros(pid_t pid, bool with_children) {
  Stat s;
  if (!ReadStat(pid, s)) return 0;
  return TicksToMicros(s.self_ticks + (with_children ? s.children_ticks : 0));
}

ClusterCpu::ClusterCpu(const std::string& admin_dsn) {
  // This connection's backend is a child of the postmaster.
  pqxx::connection c(admin_dsn);
  const pid_t backend = pqxx::nontransaction(c).exec1("SELECT pg_backend_pid()")[0].as<int>();
  Stat s;
  if (!ReadStat(backend, s)) throw std::runtime_error("cannot read the backend's /proc stat");
  postmaster_ = s.ppid;
}

int64_t ClusterCpu::Micros() const {
  Stat pm;
  if (!ReadStat(postmaster_, pm)) return 0;
  int64_t ticks = pm.self_ticks + pm.children_ticks;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return TicksToMicros(ticks);
  while (const dirent* e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    Stat s;
    if (pid > 0 && ReadStat(pid, s) && s.ppid == postmaster_) ticks += s.self_ticks;
  }
  closedir(proc);
  return TicksToMicros(ticks);
}

}  // namespace shopcast::bench

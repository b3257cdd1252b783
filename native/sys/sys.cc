#include "sys/sys.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>

namespace laminar::sys {

namespace {
int FillSet(const std::vector<int>& cpus, cpu_set_t* set) {
  CPU_ZERO(set);
  if (cpus.empty()) return EINVAL;
  for (int c : cpus) {
    if (c < 0 || c >= CPU_SETSIZE) return EINVAL;
    CPU_SET(c, set);
  }
  return 0;
}
}  // namespace

int OnlineCpuCount() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::vector<int> CurrentAffinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

int PinCurrentThread(const std::vector<int>& cpus) {
  cpu_set_t set;
  if (int err = FillSet(cpus, &set)) return err;
  // pid 0 = the calling thread only (threads created later inherit the mask).
  return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : errno;
}

int PinThread(pthread_t thread, const std::vector<int>& cpus) {
  cpu_set_t set;
  if (int err = FillSet(cpus, &set)) return err;
  return pthread_setaffinity_np(thread, sizeof set, &set);
}

int NameCurrentThread(const std::string& name) {
  std::string shortened = name.substr(0, 15);
  return pthread_setname_np(pthread_self(), shortened.c_str());
}

std::string CurrentThreadName() {
  char buf[32] = {0};
  if (pthread_getname_np(pthread_self(), buf, sizeof buf) != 0) return "";
  return buf;
}

int CurrentCpu() { return sched_getcpu(); }

}  // namespace laminar::sys

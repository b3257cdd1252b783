// Thread placement and identity: CPU pinning, thread names, core counts. Linux only.
#pragma once
#include <pthread.h>

#include <string>
#include <vector>

namespace laminar::sys {

/** Online CPUs of the machine (sysconf). */
int OnlineCpuCount();
/** CPUs the calling thread may run on. */
std::vector<int> CurrentAffinity();
/** Pins the calling thread to `cpus`; returns 0 or a positive errno (EINVAL for an empty or bad set). */
int PinCurrentThread(const std::vector<int>& cpus);
/** Pins another native thread of this process. */
int PinThread(pthread_t thread, const std::vector<int>& cpus);
/** Names the calling thread (truncated to the kernel's 15 characters). 0 or a positive errno. */
int NameCurrentThread(const std::string& name);
/** The calling thread's name. */
std::string CurrentThreadName();
/** CPU the calling thread is running on right now, or -1. */
int CurrentCpu();

}  // namespace laminar::sys

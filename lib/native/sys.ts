// Thread placement for the engine: pin the JS thread (and, through WalWriterOptions.cpu, native
// threads) to CPUs, name threads for `top -H` / perf, and count cores. Linux only.
import { native } from './binding.js';

/** Online CPUs of the machine. */
export function cpuCount(): number {
  return native().sysCpuCount() as number;
}

/** CPUs the calling thread may run on (its affinity mask). */
export function availableCpus(): number[] {
  return native().sysAffinity() as number[];
}

/**
 * Pins the calling thread (the JS main thread, or the worker calling it) to `cpus`. Threads the
 * calling thread creates afterwards inherit the mask. Throws RangeError for an invalid CPU.
 */
export function pinCurrentThread(cpus: number | readonly number[]): void {
  const list = typeof cpus === 'number' ? [cpus] : cpus;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('pinCurrentThread expects a CPU number or a non-empty array of them');
  const n = cpuCount();
  for (const c of list) {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= n) {
      throw new RangeError(`CPU ${String(c)} does not exist (this machine has CPUs 0 to ${n - 1})`);
    }
  }
  native().sysPin([...list]);
}

/** Names the calling thread (the kernel keeps the first 15 bytes). */
export function setThreadName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('thread name must be a non-empty string');
  native().sysSetThreadName(name);
}

/** The calling thread's name. */
export function threadName(): string {
  return native().sysThreadName() as string;
}

/** CPU the calling thread runs on at this moment. */
export function currentCpu(): number {
  return native().sysCurrentCpu() as number;
}

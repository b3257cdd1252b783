import t from 'tap';
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalWriter } from '../../lib/native/wal.js';
import { availableCpus, cpuCount, currentCpu, pinCurrentThread, setThreadName, threadName } from '../../lib/native/sys.js';

t.test('core counts and affinity', async (t) => {
  const n = cpuCount();
  t.ok(Number.isInteger(n) && n >= 1);
  const cpus = availableCpus();
  t.ok(cpus.length >= 1 && cpus.length <= n);
  t.ok(cpus.every((c) => c >= 0 && c < n));
  const c = currentCpu();
  t.ok(c >= 0 && c < n);
});

t.test('pinning a worker thread changes only that thread', async (t) => {
  const before = availableCpus();
  const target = before[before.length - 1];
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require('node-gyp-build')(workerData.root);
    addon.sysPin([workerData.cpu]);
    let onTarget = true;
    for (let i = 0; i < 2000; i++) if (addon.sysCurrentCpu() !== workerData.cpu) onTarget = false;
    addon.sysSetThreadName('laminar-test-wk');
    parentPort.postMessage({ affinity: addon.sysAffinity(), onTarget, name: addon.sysThreadName() });
  `;
  const root = path.resolve(__dirname, '../..');
  const w = new Worker(code, { eval: true, workerData: { cpu: target, root } });
  const msg = await new Promise<{ affinity: number[]; onTarget: boolean; name: string }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await new Promise((r) => w.once('exit', r));
  t.same(msg.affinity, [target]);
  t.ok(msg.onTarget, 'the pinned thread only ran on its CPU');
  t.equal(msg.name, 'laminar-test-wk');
  t.same(availableCpus(), before, 'the main thread kept its mask');
});

t.test('pinning the calling thread and restoring it', async (t) => {
  const before = availableCpus();
  pinCurrentThread(before[0]);
  t.same(availableCpus(), [before[0]]);
  t.equal(currentCpu(), before[0]);
  pinCurrentThread(before);
  t.same(availableCpus(), before);
});

t.test('invalid arguments are clear errors', async (t) => {
  t.throws(() => pinCurrentThread([]), TypeError);
  t.throws(() => pinCurrentThread(-1), RangeError);
  t.throws(() => pinCurrentThread(cpuCount()), /does not exist/);
  t.throws(() => pinCurrentThread([0.5]), RangeError);
  t.throws(() => pinCurrentThread('0' as unknown as number), TypeError);
  t.throws(() => setThreadName(''), TypeError);
});

t.test('thread names are truncated to the kernel limit', async (t) => {
  const original = threadName();
  setThreadName('laminar-a-very-long-thread-name');
  t.equal(threadName(), 'laminar-a-very-');
  setThreadName(original || 'node');
  t.equal(threadName(), original || 'node');
});

t.test('the WAL writer thread is named and pinned to the requested CPU', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-sys-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cpu = availableCpus()[0];
  const wal = WalWriter.open(dir, { cpu });
  await wal.waitDurable(wal.append(new Uint8Array([1])));
  const threads = fs.readdirSync('/proc/self/task').map((tid) => ({
    name: fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
    cpus: /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))?.[1],
  }));
  const writer = threads.filter((th) => th.name === 'laminar-wal');
  t.equal(writer.length, 1, 'one thread named laminar-wal');
  t.equal(writer[0]?.cpus, String(cpu));
  await wal.close();
  t.equal(fs.readdirSync('/proc/self/task').filter((tid) => fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'laminar-wal').length, 0, 'close stops the thread');
});

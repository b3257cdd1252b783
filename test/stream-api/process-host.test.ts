// ProcessHost, the operator that runs a user ProcessFunction: ctx.key and ctx.watermark follow
// the event and timer being handled, and a failing onTimer leaves that timer and the ones not yet
// fired pending (in the snapshot), while the ones that fired are gone.
import t from 'tap';
import type { Batch } from '../../lib/exec/batch.js';
import { PipelineMonitor } from '../../lib/stream-api/monitor.js';
import { objectBatch, eventsOf } from '../../lib/stream-api/object-batch.js';
import { ProcessHost } from '../../lib/stream-api/process-host.js';
import { SideOutputs } from '../../lib/stream-api/side-outputs.js';
import type { ProcessContext, ProcessFunction } from '../../lib/stream-api/types.js';

interface Ev {
  k: string;
  at: number;
}

function host(fn: ProcessFunction<string, Ev, string>, restore?: unknown) {
  const out: string[] = [];
  const monitor = new PipelineMonitor();
  const h = new ProcessHost(
    { push: (b: Batch) => out.push(...(eventsOf(b) as string[])), watermark: () => undefined },
    fn as ProcessFunction<unknown, unknown, unknown>,
    { name: 'op#1', keyOf: (e) => (e as Ev).k, monitor, sides: new SideOutputs(), clock: () => 0, restore },
  );
  return { h, out, monitor };
}

t.test('ctx.key and ctx.watermark track the event, the timer and the watermark', async (t) => {
  const seen: string[] = [];
  const { h, out } = host({
    process(e, ctx) {
      seen.push(`process ${ctx.key} wm=${ctx.watermark}`);
      ctx.timers.registerEventTimeTimer(e.at);
    },
    onTimer(timer, ctx) {
      seen.push(`timer ${ctx.key}@${timer.time} wm=${ctx.watermark}`);
      ctx.emit(`${ctx.key}@${timer.time}`);
    },
  });
  h.push(objectBatch([{ k: 'a', at: 10 }, { k: 'b', at: 20 }]), 0);
  h.watermark(15, 0);
  h.push(objectBatch([{ k: 'c', at: 30 }]), 0);
  h.watermark(40, 0);
  h.flush();
  t.same(seen, ['process a wm=-Infinity', 'process b wm=-Infinity', 'timer a@10 wm=15', 'process c wm=15', 'timer b@20 wm=40', 'timer c@30 wm=40']);
  t.same(out, ['a@10', 'b@20', 'c@30']);
  // a time that already fired is registered anew (not into the fired set) and fires next advance
  h.push(objectBatch([{ k: 'z', at: 30 }, { k: 'y', at: 45 }, { k: 'x', at: 30 }]), 0);
  t.same(out, ['a@10', 'b@20', 'c@30'], 'a timer at or below the watermark waits for the next advance');
  h.watermark(50, 0);
  t.same(out, ['a@10', 'b@20', 'c@30', 'z@30', 'x@30', 'y@45']);
  t.same((h.snapshot() as { timers: unknown[] }).timers, [], 'nothing left pending');
  h.close();
});

t.test('a failing onTimer keeps itself and the unfired timers of that time pending; fired ones are gone', async (t) => {
  const fired: string[] = [];
  const fn: ProcessFunction<string, Ev, string> = {
    process(e, ctx) {
      ctx.timers.registerEventTimeTimer(e.at);
      ctx.state.value<number>('n').update(1);
    },
    onTimer(_timer, ctx: ProcessContext<string, string>) {
      if (ctx.key === 'b') throw new Error('boom');
      fired.push(ctx.key);
      ctx.state.value('n').clear();
    },
  };
  const { h, monitor } = host(fn);
  h.push(objectBatch([{ k: 'a', at: 10 }, { k: 'b', at: 10 }, { k: 'c', at: 10 }, { k: 'd', at: 50 }]), 0);
  h.flush();
  h.watermark(20, 0);
  h.flush();
  t.same(fired, ['a'], 'timers fire in registration order until the failure');
  t.match(monitor.error?.message, /operator "op#1" failed in onTimer\(event-time 10\) on event \{"key":"b","time":10\}: boom/);
  const snap = h.snapshot() as { timers: [string, unknown, number][] };
  t.same(
    snap.timers.map(([, key, time]) => `${String(key)}@${time}`).sort(),
    ['b@10', 'c@10', 'd@50'],
    'the failed and the unfired timers stay pending; the fired one does not',
  );
  // a fresh host from the snapshot fires them (with a function that no longer fails)
  const again = host({ ...fn, onTimer: (timer, ctx) => void fired.push(`${ctx.key}@${timer.time}`) }, snap);
  again.h.watermark(100, 0);
  t.same(fired, ['a', 'b@10', 'c@10', 'd@50']);
  h.close();
  again.h.close();
});

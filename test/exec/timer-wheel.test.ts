import t from 'tap';
import fc from 'fast-check';
import { TimerWheel } from '../../lib/exec/timer-wheel.js';

const fire = (w: TimerWheel<string>, to: number) => w.advance(to).map((x) => `${x.key}@${x.time}`);

t.test('fires in time order, only up to the advance time', async (t) => {
  const w = new TimerWheel<string>(0);
  w.schedule('c', 300);
  w.schedule('a', 5);
  w.schedule('b', 40);
  w.schedule('d', 40_000);
  t.equal(w.size, 4);
  t.same(fire(w, 4), []);
  t.same(fire(w, 5), ['a@5']);
  t.same(fire(w, 299), ['b@40']);
  t.same(fire(w, 1e6), ['c@300', 'd@40000']);
  t.equal(w.size, 0);
  t.equal(w.now, 1e6);
});

t.test('equal times fire in scheduling order; rescheduling replaces; cancel removes', async (t) => {
  const w = new TimerWheel<string>(1000);
  for (const k of ['x', 'y', 'z']) w.schedule(k, 2000);
  w.schedule('y', 1500); // replaces y@2000
  t.ok(w.cancel('z'));
  t.notOk(w.cancel('z'));
  t.notOk(w.cancel('never'));
  t.equal(w.timeOf('y'), 1500);
  t.ok(w.has('x'));
  t.same(fire(w, 5000), ['y@1500', 'x@2000']);
  t.notOk(w.has('x'));
});

t.test('timers in the past fire on the next advance; time never goes backwards', async (t) => {
  const w = new TimerWheel<string>(100);
  t.same(fire(w, 50), []);
  t.equal(w.now, 100);
  w.schedule('old', 10);
  w.schedule('older', 5);
  t.same(fire(w, 0), ['older@5', 'old@10']);
  w.schedule('now', 100);
  t.same(fire(w, 100), ['now@100']);
});

t.test('epoch-millisecond times, huge jumps and the overflow list', async (t) => {
  const base = Date.UTC(2024, 0, 1);
  const w = new TimerWheel<number>(base);
  for (let i = 0; i < 1000; i++) w.schedule(i, base + (i % 10) * 3_600_000 + i); // hourly windows
  w.schedule(-1, base + 2 ** 46); // beyond the top level
  const fired = w.advance(base + 5 * 3_600_000 + 999);
  t.equal(fired.length, 600);
  t.ok(fired.every((f, i) => i === 0 || f.time >= fired[i - 1].time));
  t.equal(w.advance(base + 2 ** 45).length, 400);
  t.same(w.advance(base + 2 ** 47).map((f) => f.key), [-1]);
});

t.test('fractional times split a millisecond correctly', async (t) => {
  const w = new TimerWheel<string>(0);
  w.schedule('b', 10.75);
  w.schedule('a', 10.25);
  t.same(fire(w, 10.5), ['a@10.25']);
  t.same(fire(w, 10.75), ['b@10.75']);
});

t.test('invalid times are rejected', async (t) => {
  const w = new TimerWheel<string>();
  t.throws(() => w.schedule('a', NaN), RangeError);
  t.throws(() => w.schedule('a', Infinity), RangeError);
  t.throws(() => w.schedule('a', '5' as unknown as number), RangeError);
  t.throws(() => w.advance(NaN), RangeError);
  t.throws(() => new TimerWheel(NaN), RangeError);
});

t.test('matches a sorted-list model under random schedule/cancel/advance', async (t) => {
  type Op = { kind: 'schedule'; key: number; time: number } | { kind: 'cancel'; key: number } | { kind: 'advance'; by: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('schedule' as const), key: fc.integer({ min: 0, max: 40 }), time: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 5_000_000 })) }),
    fc.record({ kind: fc.constant('cancel' as const), key: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ kind: fc.constant('advance' as const), by: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3_000_000 })) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.array(op, { maxLength: 200 }), (start, ops) => {
      const w = new TimerWheel<number>(start);
      const model = new Map<number, { time: number; seq: number }>();
      let now = start;
      let seq = 0;
      for (const o of ops) {
        if (o.kind === 'schedule') {
          const time = start + o.time;
          w.schedule(o.key, time);
          model.set(o.key, { time, seq: seq++ });
        } else if (o.kind === 'cancel') {
          if (w.cancel(o.key) !== model.delete(o.key)) return false;
        } else {
          now += o.by;
          const want = [...model.entries()]
            .filter(([, v]) => v.time <= now)
            .sort((a, b) => a[1].time - b[1].time || a[1].seq - b[1].seq)
            .map(([k, v]) => `${k}@${v.time}`);
          for (const [k, v] of model) if (v.time <= now) model.delete(k);
          const got = w.advance(now).map((f) => `${f.key}@${f.time}`);
          if (got.join() !== want.join()) return false;
        }
        if (w.size !== model.size) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('wheel agrees with the model');
});

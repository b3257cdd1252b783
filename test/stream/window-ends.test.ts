// WindowEnds (lib/exec/stream/window-ends.ts): the open window ends of the windowed aggregate and
// window extremum rows, checked against a plain sorted list under random inserts (mostly later
// windows, some earlier ones) and closes, including the bulk compaction past 1024 dropped ends.
import t from 'tap';
import fc from 'fast-check';
import { WindowEnds } from '../../lib/exec/stream/window-ends.js';

const open = (e: WindowEnds) => e.list.slice(e.head);

t.test('equals a sorted list under random inserts and closes', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.record({ insert: fc.integer({ min: -50, max: 3000 }) }), fc.record({ closeBelow: fc.integer({ min: -50, max: 3000 }) })), { maxLength: 400 }),
      (ops) => {
        const ends = new WindowEnds();
        let model: number[] = [];
        for (const op of ops) {
          if ('insert' in op) {
            if (model.includes(op.insert)) continue; // callers insert an end once
            ends.insert(op.insert);
            model = [...model, op.insert].sort((a, b) => a - b);
          } else {
            let next = ends.head;
            while (next < ends.list.length && ends.list[next]! < op.closeBelow) next++;
            ends.dropBefore(next);
            model = model.filter((e) => e >= op.closeBelow);
          }
          if (JSON.stringify(open(ends)) !== JSON.stringify(model)) return false;
        }
        return true;
      },
    ),
    { numRuns: 300, seed: 5 },
  );
});

t.test('closing most of a long list compacts it; closing all empties it', async (t) => {
  const ends = new WindowEnds();
  for (let e = 0; e < 3000; e++) ends.insert(e * 10);
  ends.dropBefore(1000);
  t.equal(ends.head, 1000, 'a few closed ends: only the head moves');
  t.equal(ends.list.length, 3000);
  ends.dropBefore(2000);
  t.equal(ends.head, 0, 'most of the list closed: compacted');
  t.same(open(ends), Array.from({ length: 1000 }, (_, i) => (i + 2000) * 10));
  ends.insert(5);
  t.equal(open(ends)[0], 5, 'an earlier window goes in front');
  ends.dropBefore(ends.list.length);
  t.same([ends.list.length, ends.head], [0, 0]);
  ends.insert(7);
  t.same(open(ends), [7]);
});

// One step's insert changes of an append-only view, built so that V8 never pretenures them.
//
// V8 pretenures the objects of an allocation site (an array or object literal, `new Array(n)`)
// whose objects it has seen survive scavenges. A step's changes do survive the scavenges that
// their own allocation triggers while the list is being filled, and whether a site is judged
// that way depends on GC timing early in the run. Once pretenured, every change list, change
// or row is born in old space; dropped by the subscriber, it still keeps what it points to
// alive through the following scavenges (old-to-young pointers are roots there), so all of a
// step's young objects were promoted: Nexmark q0/q1 ran 2.5–4× slower per CPU-second in about
// half the runs, the heap growing ~120 bytes per change. Here nothing has an allocation site:
// the list comes from a construct through Reflect, each change from Object.create and each row is
// a slice() of a scratch row, all of which V8 allocates young.

import type { Batch } from '../batch.js';
import type { EngineChange } from '../../engine/types.js';
import type { Row, Value } from '../../types/value.js';

/** `changes` followed by one insert per row of the first `count` batches, in a list sized once. */
export type InsertChangesBuilder = (changes: EngineChange[], batches: readonly (Batch | null)[], count: number) => EngineChange[];

/** Widths up to this get a generated builder (column reads unrolled); wider rows use a loop. */
const GENERATED_MAX_WIDTH = 64;

/**
 * A builder of insert changes for rows of `width` columns. Make one per view: the generated
 * code's column reads then each see one kind of column array (a view's column types are
 * fixed), and the row loop has no call in it.
 */
export function insertChangesBuilder(width: number): InsertChangesBuilder {
  if (width > GENERATED_MAX_WIDTH) return (changes, batches, count) => appendInserts(changes, batches, count, width);
  const hoist: string[] = [];
  const reads: string[] = [];
  for (let c = 0; c < width; c++) {
    hoist.push(`const c${c} = cols[${c}];`);
    reads.push(`scratch[${c}] = c${c}[i] ?? null;`);
  }
  const source = `
    const scratch = [${new Array<string>(width).fill('null').join(', ')}];
    return function appendInserts(changes, batches, count) {
      let total = changes.length;
      for (let j = 0; j < count; j++) total += batches[j].length;
      const out = construct(Array, [total]);
      let k = 0;
      for (; k < changes.length; k++) out[k] = changes[k];
      for (let j = 0; j < count; j++) {
        const b = batches[j];
        const n = b.length;
        const cols = b.columns;
        ${hoist.join(' ')}
        for (let i = 0; i < n; i++) {
          ${reads.join(' ')}
          const change = create(proto);
          change.op = 'insert';
          change.row = scratch.slice();
          out[k++] = change;
        }
      }
      return out;
    };`;
  return new Function('construct', 'create', 'proto', source)(Reflect.construct, Object.create, Object.prototype) as InsertChangesBuilder;
}

/** The generic builder (any width): `changes` then one insert per row of the first `count` batches. */
export function appendInserts(changes: EngineChange[], batches: readonly (Batch | null)[], count: number, width: number): EngineChange[] {
  let total = changes.length;
  for (let j = 0; j < count; j++) total += batches[j]!.length;
  const out = Reflect.construct(Array, [total]) as EngineChange[];
  let k = 0;
  for (; k < changes.length; k++) out[k] = changes[k]!;
  const scratch: Value[] = new Array<Value>(width).fill(null);
  for (let j = 0; j < count; j++) {
    const b = batches[j]!;
    const cols = b.columns;
    for (let i = 0; i < b.length; i++) {
      for (let c = 0; c < width; c++) scratch[c] = cols[c]![i] ?? null;
      out[k++] = insertChange(scratch.slice());
    }
  }
  return out;
}

/** `{ op: 'insert', row }` as a plain object, from Object.create (no allocation site). */
function insertChange(row: Row): EngineChange {
  const change = Object.create(Object.prototype) as { op: 'insert'; row: Row };
  change.op = 'insert';
  change.row = row;
  return change;
}

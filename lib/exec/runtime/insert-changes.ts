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
// a slice() of a per-width scratch row, all of which V8 allocates young.

import type { Batch } from '../batch.js';
import type { EngineChange } from '../../engine/types.js';
import type { Row } from '../../types/value.js';
import type { RowReader } from './batch-builder.js';

/** `changes` followed by one insert per row of the first `count` batches, in a list sized once. */
export function appendInserts(changes: EngineChange[], batches: readonly (Batch | null)[], count: number, width: number): EngineChange[] {
  const readRow = changeRowReader(width);
  let total = changes.length;
  for (let j = 0; j < count; j++) total += batches[j]!.length;
  const out = changeList(total);
  let k = 0;
  for (; k < changes.length; k++) out[k] = changes[k]!;
  for (let j = 0; j < count; j++) {
    const b = batches[j]!;
    const cols = b.columns;
    for (let i = 0; i < b.length; i++) {
      out[k++] = insertChange(readRow(cols, i));
    }
  }
  return out;
}

/** An array of `n` slots with no allocation-site feedback (a `new Array(n)` site can be pretenured). */
function changeList(n: number): EngineChange[] {
  return Reflect.construct(Array, [n]) as EngineChange[];
}

/**
 * `{ op: 'insert', row }` as a plain object, from Object.create (no allocation site; ~7 ns a
 * row cheaper than a spread clone of a template).
 */
function insertChange(row: Row): EngineChange {
  const change = Object.create(Object.prototype) as { op: 'insert'; row: Row };
  change.op = 'insert';
  change.row = row;
  return change;
}

const changeRowReaders: (RowReader | undefined)[] = [];

/**
 * Reads row `i` of columns (undefined as NULL) into a per-width scratch row and returns a
 * slice() of it: a packed, exactly sized copy allocated by a builtin, with no allocation site.
 * (The scratch row is only written and copied within one call.)
 */
export function changeRowReader(width: number): RowReader {
  let reader = changeRowReaders[width];
  if (reader !== undefined) return reader;
  const reads: string[] = [];
  for (let c = 0; c < width; c++) reads.push(`scratch[${c}] = cols[${c}][i] ?? null;`);
  const scratch = `[${new Array<string>(width).fill('null').join(', ')}]`;
  reader = new Function(`const scratch = ${scratch}; return function readChangeRow(cols, i) { ${reads.join(' ')} return scratch.slice(); };`)() as RowReader;
  changeRowReaders[width] = reader;
  return reader;
}

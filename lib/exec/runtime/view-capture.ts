// A checkpoint capture of a view store's rows (ViewStore.captureRows): O(1) at the cut; a slot
// changed after the cut, before the fill reached it, has its cut-time rows recorded at its first
// change (copy-on-write); the fill walks the live slot map in slices. Slots are created in
// increasing `seq` and a Map iterates in insertion order, so the live map is visited in seq
// order: a slot of seq ≥ `cutSeq` was created after the cut, a slot of seq ≤ `cursor` was
// already written, and a recorded slot dropped from the map is written back at its seq's place.

import type { Row } from '../../types/value.js';
import type { Entry, RowSlot } from './row-slots.js';

/** A slot's rows as they were at the cut. */
export interface SlotImage {
  row: Row | null;
  weight: number;
  rest: Entry[] | null;
}

/** slots written between two pauses of a capture's fill */
export const CAPTURE_SLICE = 8192;

export class ViewCapture {
  /** seq of the last slot written by the fill (slots up to it need no recording) */
  cursor = -1;
  /** replaced by a newer capture, a restore or close: filling it would be wrong */
  abandoned = false;
  /** cut-time rows of slots changed after the cut, not yet written */
  readonly preserved = new Map<RowSlot, SlotImage>();
  /** recorded slots removed from the map before the fill reached them */
  dropped: RowSlot[] = [];

  /** `cutSeq`: the store's next slot seq at the cut (slots from it on did not exist then);
   *  `rowsAtCut`: the distinct rows held then (what the fill writes) */
  constructor(
    readonly cutSeq: number,
    readonly rowsAtCut: number,
  ) {}

  /** Copy-on-write: record the slot's rows before its first change after the cut. */
  preserve(slot: RowSlot): void {
    if (slot.seq >= this.cutSeq || slot.seq <= this.cursor || this.preserved.has(slot)) return;
    // entries of `rest` change in place: copied; rows are immutable and kept by reference
    const rest = slot.rest === null || slot.rest.length === 0 ? null : slot.rest.map((e) => ({ row: e.row, weight: e.weight }));
    this.preserved.set(slot, { row: slot.row, weight: slot.weight, rest });
  }

  /** The slot leaves the map: if it was recorded, the fill still writes its cut-time rows. */
  slotRemoved(slot: RowSlot): void {
    if (this.preserved.has(slot)) this.dropped.push(slot);
  }
}

/** Writes an image's rows and weights (as RowSlot.forEach orders them) from index `at`;
 *  returns the index after them. */
export function writeImage(image: SlotImage, rows: Row[], weights: number[], at: number): number {
  if (image.row === null) return at;
  rows[at] = image.row;
  weights[at++] = image.weight;
  const rest = image.rest;
  if (rest !== null) {
    for (let k = 0; k < rest.length; k++) {
      rows[at] = rest[k]!.row;
      weights[at++] = rest[k]!.weight;
    }
  }
  return at;
}

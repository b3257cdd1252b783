// A checkpoint capture of an aggregate's groups (HashAggregate.captureGroups): the groups as they
// were at the cut, produced in slices while later steps keep running (copy-on-write).

import type { GroupRecord } from './aggregate-spec.js';

/**
 * A checkpoint capture in progress: the groups as they were at the cut, produced later in slices
 * (copy-on-write: a group is recorded at its first change after the cut, unless already encoded).
 */
export class GroupCapture {
  /** slots below this are encoded already: their later changes do not matter */
  cursor = 0;
  /** the cut-time record of slots changed since (null: no group in the slot at the cut) */
  readonly preserved = new Map<number, GroupRecord | null>();
  /** replaced by a newer capture, a restore or close: filling it would be wrong */
  abandoned = false;
  /**
   * `end`: slots at and above it were never used at the cut. `dirty`: slots touched between the
   * previous capture's cut and this one. `cache`: records of the previous capture, by slot — a
   * slot not dirty since hands over the very same record (nothing rebuilt, and the checkpoint
   * delta matches it by identity).
   */
  constructor(
    readonly end: number,
    readonly dirty: Uint8Array,
    readonly cache: (GroupRecord | undefined)[],
  ) {}
}

/** groups encoded between two pauses of a capture's fill */
export const CAPTURE_SLICE = 4096;

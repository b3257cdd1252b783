// Which insert calls of a crashed sharded database survive recovery (docs/thread-per-core.md).
//
// The main thread numbers every routed call (rows and/or watermarks) with a dense sequence; each
// shard that received part of a call logs an end-of-call mark (the call's number and how many
// shards received part of it) right after its part. After a crash each shard holds a prefix of
// its own log, so a call is complete when every shard it reached has its mark. Recovery keeps
// every call up to S — the highest number such that every call up to it is complete (a number
// below every shard's last mark that no shard has a mark of was never a call: skipped) — and cuts
// each shard's log at the first record of its first call after S: one insert call is wholly
// present or wholly absent, and what survives is a prefix of the calls, as with one thread.
import { StorageError } from '../errors.js';

/** What one shard's log holds after its checkpoint: its end marks and an unfinished part. */
export interface ShardCallLog {
  /** call numbers of the end marks, in log order */
  seqs: number[];
  /** for each mark, how many shards received part of that call */
  shards: number[];
  /** for each mark, the LSN of the part's first record (the mark's own when the part is empty) */
  firstLsn: number[];
  /** LSN of the first row or watermark record after the last mark (a part whose mark is missing); 0: none */
  tailLsn: number;
  /** LSN of the log's last whole record (the checkpoint's when none follows it) */
  lastLsn: number;
}

export interface CallCut {
  /** the last call kept (first - 1 when none after the checkpoint is kept) */
  last: number;
  /** per shard, the LSN its log is cut at (that record and everything after it go); 0: keep all */
  truncateAt: number[];
  /** calls numbered after `last` that some shard holds (at least partly): they are dropped */
  dropped: number;
  /**
   * the first call not kept: how many shards it reached (0: unknown, no shard has its mark) and
   * how many have its mark; undefined when nothing is cut
   */
  incomplete: { seq: number; reached: number; marked: number } | undefined;
}

/**
 * The recovery cut over every shard's log. `first` is the number of the first call after the
 * checkpoint the shards start from (calls before it are in the checkpoint).
 */
export function computeCallCut(first: number, logs: readonly ShardCallLog[]): CallCut {
  let max = first - 1;
  for (const [shard, log] of logs.entries()) {
    let previous = first - 1;
    for (let i = 0; i < log.seqs.length; i++) {
      const seq = log.seqs[i]!;
      if (!Number.isInteger(seq) || seq <= previous) {
        const why = seq < first ? `before the checkpoint's first call ${first}` : `after call ${previous}`;
        throw new StorageError('CORRUPTION', `shard ${shard}'s log marks the end of call ${seq} ${why}: its call marks are out of order`);
      }
      previous = seq;
    }
    if (previous > max) max = previous;
  }
  // per call found: how many shards it reached and how many have its mark (keyed by number, so
  // a gap costs nothing)
  const calls = new Map<number, { reached: number; marked: number }>();
  for (const [shard, log] of logs.entries()) {
    for (let i = 0; i < log.seqs.length; i++) {
      const seq = log.seqs[i]!;
      const reached = log.shards[i]!;
      if (!Number.isInteger(reached) || reached < 1 || reached > logs.length) {
        throw new StorageError('CORRUPTION', `shard ${shard}'s log says call ${seq} reached ${reached} shards of ${logs.length}`);
      }
      const call = calls.get(seq);
      if (call === undefined) {
        calls.set(seq, { reached, marked: 1 });
      } else if (call.reached !== reached) {
        throw new StorageError('CORRUPTION', `call ${seq} reached ${call.reached} shards by one shard's log and ${reached} by shard ${shard}'s`);
      } else {
        call.marked++;
      }
    }
  }
  // A number no shard has a mark of, below every shard's last mark, never reached a shard: each
  // log is a prefix of its shard's input, in call order, so a shard it reached would hold its mark
  // before its later one. Such a gap (a number given out for a call that then failed before its
  // first record) is skipped; any other missing number may be a call lost with a shard's tail.
  let horizon = Infinity;
  for (const log of logs) horizon = Math.min(horizon, log.seqs.length > 0 ? log.seqs[log.seqs.length - 1]! : first - 1);
  let last = first - 1;
  for (const seq of [...calls.keys()].sort((a, b) => a - b)) {
    if (seq > last + 1 && seq - 1 >= horizon) break;
    const call = calls.get(seq)!;
    if (call.marked !== call.reached) {
      last = seq - 1;
      break;
    }
    last = seq;
  }
  let incomplete: CallCut['incomplete'];
  if (last < max || logs.some((l) => l.tailLsn > 0)) {
    const next = calls.get(last + 1);
    incomplete = { seq: last + 1, reached: next?.reached ?? 0, marked: next?.marked ?? 0 };
  }
  const truncateAt = logs.map((log) => {
    const i = log.seqs.findIndex((seq) => seq > last);
    return i >= 0 ? log.firstLsn[i]! : log.tailLsn;
  });
  let dropped = 0;
  for (const seq of calls.keys()) if (seq > last) dropped++;
  return { last, truncateAt, dropped, incomplete };
}

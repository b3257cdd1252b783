// Durable change positions and the per-view changelog of a durable database.
//
// Every change delivered from a durable database is stamped with its position (the LSN of the
// record that produced it + its ordinal among that record's changes to the view). Replay is
// deterministic, so the changes after a position are the same in every run — but checkpoints
// discard history. Views named in the `changelog` open option therefore keep their changes:
// the current epoch's in memory (after a crash, replay of the log tail rebuilds them), each
// closed epoch in a segment file written and fsync'd with its checkpoint and named by the
// MANIFEST. Nothing is added to the ingest path of views without a changelog beyond the stamp,
// and nothing at all for views nobody subscribes to.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError, StorageError } from '../errors.js';
import type { ChangeListener, EngineChange, EngineSubscription, RelationInfo } from '../engine/types.js';
import { comparePositions, type ChangePosition } from './sink-protocol.js';
import { readSegment, removeSegment, segmentFile, writeSegment, type SegmentImage, type SegmentRef, type ViewChanges } from './changelog-segment.js';

export interface ChangelogOptions {
  /** views (and tables/sources) whose changes are retained for `subscribe(name, { from })`; '*' = all */
  views: readonly string[] | '*';
  /** how many closed epochs (checkpoints) of changes are kept on disk (default 16) */
  retainCheckpoints: number;
}

export const CHANGELOG_DIR = 'changelog';
const SUBSCRIBABLE = new Set(['materialized view', 'table', 'source']);

interface Counter {
  lsn: number;
  next: number;
}

interface ViewLog {
  /** identity of the relation the tap listens to (its CREATE text) */
  sql: string;
  sub: EngineSubscription;
  /** changes since the last closed segment, positions stamped */
  changes: EngineChange[];
  /** the last position before `changes[0]` (in a segment or discarded), null = none recorded */
  before: ChangePosition | null;
}

/** What a checkpoint's cut took: written as a segment, dropped from memory once the MANIFEST names it. */
export interface SealedEpoch {
  ref: SegmentRef;
  /** how many changes of each view's log (by identity: a view may be re-created meanwhile) it took */
  counts: Map<string, { log: ViewLog; count: number }>;
  image: SegmentImage;
}

type Subscribe = (name: string, listener: ChangeListener) => EngineSubscription;

export class Changelog {
  /** LSN of the record being applied (set by the durable engine, live and during replay) */
  currentLsn = 0;
  private readonly logs = new Map<string, ViewLog>();
  private readonly wanted: Set<string> | '*';
  private segments: SegmentRef[];
  /** changes of records up to this LSN are in segments (or were before the changelog began) */
  private memFromLsn: number;
  /** last position per view over the whole retained history (the `before` of the next segment) */
  private readonly lastPosition = new Map<string, ChangePosition>();

  constructor(
    private readonly dir: string,
    private readonly options: ChangelogOptions,
    /** segments the MANIFEST names, oldest first */
    segments: readonly SegmentRef[],
    /** the LSN replay starts after (the restored checkpoint's, 0 = whole log) */
    replayFrom: number,
    warn: (message: string) => void = () => {},
  ) {
    this.wanted = options.views === '*' ? '*' : new Set(options.views);
    this.segments = [...segments];
    const lastSeg = this.segments[this.segments.length - 1];
    this.memFromLsn = Math.max(lastSeg?.toLsn ?? 0, replayFrom);
    removeOrphanSegments(dir, this.segments);
    if (lastSeg !== undefined) {
      // the newest segment tells where each view's stream stood when it was closed
      try {
        const image = readSegment(dir, lastSeg);
        for (const [view, log] of Object.entries(image.views)) {
          const last = log.changes.length > 0 ? positionOf(log.changes[log.changes.length - 1]!) : log.before;
          if (last !== null) this.lastPosition.set(view, last);
        }
      } catch (error) {
        if (!(error instanceof StorageError) || error.code !== 'CORRUPTION') throw error;
        // the changes are history, not state: lose them (resuming before here is POSITION_EXPIRED), keep the database
        warn(`laminardb: ${error.message}; the retained changelog before record ${lastSeg.toLsn} is dropped`);
        for (const s of this.segments) removeSegment(dir, s);
        this.segments = [];
      }
    }
  }

  /**
   * Stamps a step's changes with their positions. Each listener keeps its own counter: a view
   * store hands every listener the same array (stamped once, the others catch their counters
   * up), a table's change taps hand each listener its own copy.
   */
  stamp(counter: Counter, changes: EngineChange[]): void {
    const n = changes.length;
    if (n === 0) return;
    const done = changes[n - 1]!.position;
    if (done !== undefined) {
      counter.lsn = done.lsn;
      counter.next = done.index + 1;
      return;
    }
    if (counter.lsn !== this.currentLsn) {
      counter.lsn = this.currentLsn;
      counter.next = 0;
    }
    const lsn = counter.lsn;
    for (let i = 0; i < n; i++) changes[i]!.position = { lsn, index: counter.next++ };
  }

  /** Wraps a subscriber so it receives stamped changes. */
  stamped(listener: ChangeListener): ChangeListener {
    const counter: Counter = { lsn: -1, next: 0 };
    return (changes) => {
      this.stamp(counter, changes);
      listener(changes);
    };
  }

  retains(view: string): boolean {
    return this.wanted === '*' || this.wanted.has(view);
  }

  /** After DDL: tap every retained relation that exists, untap dropped or replaced ones. */
  reconcile(relations: readonly RelationInfo[], subscribe: Subscribe): void {
    const present = new Map<string, RelationInfo>();
    for (const r of relations) if (SUBSCRIBABLE.has(r.kind) && this.retains(r.name)) present.set(r.name, r);
    for (const [name, log] of this.logs) {
      const now = present.get(name);
      if (now === undefined || now.sql !== log.sql) {
        log.sub.close();
        this.logs.delete(name);
      }
    }
    for (const [name, info] of present) {
      if (this.logs.has(name)) continue;
      const log: ViewLog = { sql: info.sql, sub: { close() {} }, changes: [], before: this.lastPosition.get(name) ?? null };
      const counter: Counter = { lsn: -1, next: 0 };
      log.sub = subscribe(name, (changes) => this.record(counter, log, changes));
      this.logs.set(name, log);
    }
  }

  private record(counter: Counter, log: ViewLog, changes: EngineChange[]): void {
    this.stamp(counter, changes);
    // after a fallback to an older checkpoint, replay recomputes changes a segment already holds
    if (this.currentLsn <= this.memFromLsn) return;
    for (let i = 0; i < changes.length; i++) log.changes.push(changes[i]!);
  }

  /** At a checkpoint's cut (between steps): everything recorded so far becomes the epoch's segment. */
  seal(epoch: number, lsn: number): SealedEpoch {
    const views: Record<string, ViewChanges> = {};
    const counts = new Map<string, { log: ViewLog; count: number }>();
    for (const [name, log] of this.logs) {
      views[name] = { before: log.before, changes: log.changes.slice() };
      counts.set(name, { log, count: log.changes.length });
    }
    const ref: SegmentRef = { file: segmentFile(epoch), fromLsn: this.memFromLsn, toLsn: lsn };
    return { ref, counts, image: { fromLsn: ref.fromLsn, toLsn: lsn, views } };
  }

  /** Writes and fsyncs the sealed segment (before the MANIFEST names it). */
  async write(sealed: SealedEpoch): Promise<void> {
    await writeSegment(this.dir, sealed.ref, sealed.image);
  }

  /** The MANIFEST's list of segments once `sealed` is committed, with retention applied. */
  segmentsAfter(sealed: SealedEpoch): SegmentRef[] {
    const all = [...this.segments, sealed.ref];
    return all.slice(Math.max(0, all.length - this.options.retainCheckpoints));
  }

  /** The MANIFEST names the sealed segment: drop its changes from memory, delete retired segments. */
  committed(sealed: SealedEpoch, kept: SegmentRef[]): void {
    for (const [name, { log, count }] of sealed.counts) {
      if (count > 0) this.lastPosition.set(name, positionOf(log.changes[count - 1]!));
      log.changes = log.changes.slice(count);
      log.before = this.lastPosition.get(name) ?? null;
    }
    this.memFromLsn = sealed.ref.toLsn;
    const keep = new Set(kept.map((s) => s.file));
    for (const s of this.segments) if (!keep.has(s.file)) removeSegment(this.dir, s);
    this.segments = kept;
  }

  /** A checkpoint failed after writing its segment: the file is not named by any MANIFEST. */
  failed(sealed: SealedEpoch): void {
    if (!this.segments.some((s) => s.file === sealed.ref.file)) removeSegment(this.dir, sealed.ref);
  }

  /**
   * The retained changes of `view` strictly after `from`, oldest first. StorageError
   * POSITION_EXPIRED when history before them was retired, INVALID_ARGUMENT when `from` is
   * ahead of the log or the view keeps no changelog.
   */
  changesAfter(view: string, from: ChangePosition, lastLsn: number): EngineChange[] {
    const log = this.logs.get(view);
    if (log === undefined) {
      throw new LaminarError(
        'INVALID_ARGUMENT',
        `subscribe("${view}", { from }): "${view}" keeps no changelog; open the database with { changelog: { views: [${JSON.stringify(view)}] } } to resume from a position`,
      );
    }
    if (from.lsn > lastLsn) {
      throw new StorageError(
        'POSITION_AHEAD',
        `subscribe("${view}", { from }): position ${from.lsn}/${from.index} is after the end of the log (record ${lastLsn}): it was delivered before it was durable and lost in a crash; resume from a position covered by a resolved flush()`,
      );
    }
    const out: EngineChange[] = [];
    let checked = false;
    for (const ref of this.segments) {
      const part = readSegment(this.dir, ref).views[view];
      if (!checked) {
        checkRetained(view, from, ref.fromLsn, part?.before ?? null);
        checked = true;
      }
      if (part !== undefined && ref.toLsn > from.lsn) appendAfter(out, part.changes, from);
    }
    if (!checked) checkRetained(view, from, this.memFromLsn, log.before);
    appendAfter(out, log.changes, from);
    return out;
  }

  /** the segments on disk, as the MANIFEST names them */
  get named(): SegmentRef[] {
    return [...this.segments];
  }

  /** Changes held in memory (the epoch in progress). */
  get pendingChanges(): number {
    let n = 0;
    for (const log of this.logs.values()) n += log.changes.length;
    return n;
  }

  close(): void {
    for (const log of this.logs.values()) log.sub.close();
    this.logs.clear();
  }
}

function positionOf(c: EngineChange): ChangePosition {
  return c.position!;
}

function appendAfter(out: EngineChange[], changes: readonly EngineChange[], from: ChangePosition): void {
  for (const c of changes) if (comparePositions(c.position!, from) > 0) out.push(c);
}

function checkRetained(view: string, from: ChangePosition, fromLsn: number, before: ChangePosition | null): void {
  // retained: every change after `before` (or, with none recorded, of every record after fromLsn)
  const ok = before !== null ? comparePositions(from, before) >= 0 : from.lsn >= fromLsn;
  if (!ok) {
    throw new StorageError(
      'POSITION_EXPIRED',
      `subscribe("${view}", { from }): position ${from.lsn}/${from.index} is older than the retained changelog (it starts after ${before === null ? `record ${fromLsn}` : `${before.lsn}/${before.index}`}); raise changelog.retainCheckpoints or resume more often`,
    );
  }
}

/** Segment files the MANIFEST does not name were written by a checkpoint that never committed. */
function removeOrphanSegments(dir: string, named: readonly SegmentRef[]): void {
  const folder = path.join(dir, CHANGELOG_DIR);
  let files: string[];
  try {
    files = fs.readdirSync(folder);
  } catch {
    return;
  }
  const keep = new Set(named.map((s) => s.file));
  for (const f of files) if (!keep.has(f)) fs.rmSync(path.join(folder, f), { force: true });
}

/** The `changelog` open option, checked. */
export function checkChangelogOption(c: unknown): { views: readonly string[] | '*'; retainCheckpoints?: number } | undefined {
  if (c === undefined) return undefined;
  const o = c as { views?: unknown; retainCheckpoints?: unknown };
  const viewsOk = o !== null && typeof o === 'object' && (o.views === '*' || (Array.isArray(o.views) && o.views.every((v) => typeof v === 'string')));
  if (!viewsOk) throw new LaminarError('INVALID_ARGUMENT', `open: changelog must be { views: string[] | '*', retainCheckpoints?: number }, got ${JSON.stringify(c)}`);
  const r = o.retainCheckpoints;
  if (r !== undefined && (typeof r !== 'number' || !Number.isInteger(r) || r < 1)) {
    throw new LaminarError('INVALID_ARGUMENT', `open: changelog.retainCheckpoints must be a positive integer, got ${JSON.stringify(r)}`);
  }
  return { views: o.views as readonly string[] | '*', retainCheckpoints: r as number | undefined };
}

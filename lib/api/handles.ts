// Typed handles on one table or source: `db.table<Person>('person')`, `db.source<Bid>('bid')`.
// They add static row types and skip repeating the relation name; inserts go through the same
// validated path as Database.insert.

import type { ArrowBatchLike } from './arrow.js';

/** The part of Database a handle uses. */
export interface HandleTarget {
  insert(name: string, rows: object | readonly object[] | ArrowBatchLike): void;
  advanceWatermark(source: string, eventTime: Date | number | string): void;
  markSourceIdle(source: string, idle?: boolean): void;
}

/** Inserts into one table or source with rows of type `Row`. */
export class RelationHandle<Row extends object = Record<string, unknown>> {
  readonly name: string;
  protected readonly target: HandleTarget;

  /** @internal created by Database.table / Database.source */
  constructor(target: HandleTarget, name: string) {
    this.target = target;
    this.name = name;
  }

  /** Inserts one row (synchronous; throws SchemaError and applies nothing if it does not fit). */
  insert(row: Row): void {
    this.target.insert(this.name, row);
  }

  /** Inserts rows atomically: all of them, or none if any does not fit. */
  insertMany(rows: readonly Row[]): void {
    this.target.insert(this.name, rows);
  }

  /** Inserts an Arrow RecordBatch or Table (columnar; matching numeric columns are not copied). */
  insertArrow(batch: ArrowBatchLike): void {
    this.target.insert(this.name, batch);
  }
}

/** A mutable table (primary-key upserts; UPDATE/DELETE through SQL). */
export class TableHandle<Row extends object = Record<string, unknown>> extends RelationHandle<Row> {}

/** An append-only source with event time. */
export class SourceHandle<Row extends object = Record<string, unknown>> extends RelationHandle<Row> {
  /**
   * Sets the source's watermark to `eventTime` (no delay subtracted) without inserting: windows
   * ending at or before it close. A watermark never moves back.
   */
  advanceWatermark(eventTime: Date | number | string): void {
    this.target.advanceWatermark(this.name, eventTime);
  }

  /** Marks the source idle (or active again with `false`); its next row makes it active. */
  markIdle(idle = true): void {
    this.target.markSourceIdle(this.name, idle);
  }
}

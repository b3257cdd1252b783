// The `nexmark` source connector: the seeded generator of lib/nexmark/generator.ts feeding one of
// its three tables. Sources with the same generator options (seed, events, rate, base time,
// batch size) share one generator, so person / auction / bid line up as in one event stream and
// joins between them find their matches. Option names follow RisingWave's where they exist
// (`nexmark.table.type`, `nexmark.event.num`, `nexmark.max.chunk.size`).

import type { Field } from '../types/datatype.js';
import { DEFAULT_CONFIG, NexmarkGenerator, type EventBatch } from '../nexmark/generator.js';
import type { OptionReader } from './options.js';

export type NexmarkTable = 'person' | 'auction' | 'bid';

/** The columns each table must declare, in order (lib/nexmark/schema.sql). */
const TABLE_COLUMNS: Record<NexmarkTable, readonly [string, 'number' | 'string' | 'time'][]> = {
  person: [['id', 'number'], ['name', 'string'], ['email_address', 'string'], ['credit_card', 'string'], ['city', 'string'], ['state', 'string'], ['date_time', 'time'], ['extra', 'string']],
  auction: [
    ['id', 'number'], ['item_name', 'string'], ['description', 'string'], ['initial_bid', 'number'], ['reserve', 'number'],
    ['date_time', 'time'], ['expires', 'time'], ['seller', 'number'], ['category', 'number'], ['extra', 'string'],
  ],
  bid: [['auction', 'number'], ['bidder', 'number'], ['price', 'number'], ['channel', 'string'], ['url', 'string'], ['date_time', 'time'], ['extra', 'string']],
};

export interface NexmarkPlan {
  table: NexmarkTable;
  seed: number;
  /** events in all (every table's together); undefined = unbounded */
  events: number | undefined;
  /** wall-clock rate of events (all tables); undefined = as fast as possible */
  eventsPerSecond: number | undefined;
  /** events per second of event time (event_time_rate, else events_per_second, else the generator's 10 M) */
  eventTimeRate: number | undefined;
  batchSize: number;
  /** event time of event 0 (epoch ms), or 'now' (when the generator starts) */
  baseTime: number | 'now';
  /** sources whose plans have the same key share one generator */
  groupKey: string;
}

export function planNexmark(o: OptionReader, columns: readonly Field[]): NexmarkPlan {
  o.string('connector');
  const table = o.choice(['nexmark.table', 'nexmark.table.type'], ['person', 'auction', 'bid'] as const);
  if (table === undefined) throw o.error('connector', "connector 'nexmark' needs option nexmark.table = 'person' | 'auction' | 'bid'");
  const seed = o.number(['seed', 'nexmark.seed'], { integer: true }) ?? DEFAULT_CONFIG.seed;
  const events = o.number(['events', 'nexmark.event.num'], { min: 0, integer: true });
  const eventsPerSecond = o.number(['events_per_second', 'nexmark.events.per.second'], { min: 0, exclusiveMin: true });
  const explicitTimeRate = o.number('event_time_rate', { min: 0, exclusiveMin: true });
  const gapNs = o.number('nexmark.min.event.gap.in.ns', { min: 0, exclusiveMin: true });
  if (explicitTimeRate !== undefined && gapNs !== undefined) {
    throw o.error('nexmark.min.event.gap.in.ns', "options 'event_time_rate' and 'nexmark.min.event.gap.in.ns' both set the event-time rate; give one");
  }
  const eventTimeRate = explicitTimeRate ?? (gapNs !== undefined ? 1e9 / gapNs : eventsPerSecond);
  const batchSize = o.number(['batch_size', 'nexmark.max.chunk.size'], { min: 1, max: 1_000_000, integer: true }) ?? 1024;
  const base = o.timestamp(['base_time', 'nexmark.base.time']);
  o.number('nexmark.split.num', { min: 1, max: 1, integer: true }); // RisingWave's: one split here
  o.rejectUnused("connector 'nexmark'");
  checkColumns(o, table, columns);
  const baseTime = base === undefined ? DEFAULT_CONFIG.baseTime : base.now ? 'now' : base.ms;
  const groupKey = `nexmark:${seed}:${events}:${eventsPerSecond}:${eventTimeRate}:${batchSize}:${baseTime}`;
  return { table, seed, events, eventsPerSecond, eventTimeRate, batchSize, baseTime, groupKey };
}

function checkColumns(o: OptionReader, table: NexmarkTable, columns: readonly Field[]): void {
  const expected = TABLE_COLUMNS[table];
  const fits = (f: Field, kind: 'number' | 'string' | 'time') => {
    const t = f.type.id;
    if (kind === 'string') return t === 'varchar';
    if (kind === 'time') return t === 'timestamp' || t === 'timestamptz';
    return t === 'bigint' || t === 'double';
  };
  const ok = columns.length === expected.length && expected.every(([name, kind], i) => columns[i]!.name === name && fits(columns[i]!, kind));
  if (!ok) {
    const want = expected.map(([name, kind]) => `${name} ${kind === 'number' ? 'BIGINT' : kind === 'string' ? 'VARCHAR' : 'TIMESTAMP'}`).join(', ');
    throw o.error('nexmark.table', `a nexmark ${table} source must have exactly the columns (${want}) as in lib/nexmark/schema.sql`);
  }
}

/** One shared generator; `generate` makes a range of events once for every table fed from it. */
export class NexmarkFeed {
  readonly #generator: NexmarkGenerator;

  constructor(plan: NexmarkPlan, nowMs: number) {
    this.#generator = new NexmarkGenerator({
      seed: plan.seed,
      baseTime: plan.baseTime === 'now' ? nowMs : plan.baseTime,
      ...(plan.eventTimeRate !== undefined ? { eventsPerSecond: plan.eventTimeRate } : {}),
    });
  }

  generate(first: number, n: number): EventBatch {
    return this.#generator.generate(first, n);
  }
}

/** The column arrays of `table` in an event batch (schema order) and their length. */
export function tableColumns(b: EventBatch, table: NexmarkTable): { columns: ArrayLike<unknown>[]; length: number } {
  switch (table) {
    case 'person': {
      const p = b.person;
      return { columns: [p.id, p.name, p.email_address, p.credit_card, p.city, p.state, p.date_time, p.extra], length: b.persons };
    }
    case 'auction': {
      const a = b.auction;
      return { columns: [a.id, a.item_name, a.description, a.initial_bid, a.reserve, a.date_time, a.expires, a.seller, a.category, a.extra], length: b.auctions };
    }
    case 'bid': {
      const d = b.bid;
      return { columns: [d.auction, d.bidder, d.price, d.channel, d.url, d.date_time, d.extra], length: b.bids };
    }
  }
}

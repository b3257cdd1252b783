// Type tests of the public definitions (types/index.d.ts), checked by tsc, never run: each
// `@ts-expect-error` line must fail to compile, and each assignment must infer as stated.
import {
  open,
  ClosedError,
  LaminarError,
  SchemaError,
  SqlError,
  type Change,
  type Database,
  type ExecuteResult,
  type SourceHandle,
  type Subscription,
  type TableHandle,
} from 'laminardb';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_?: T): void {}

interface Bid {
  auction: number;
  price: number;
  channel: string | null;
  ts: Date | number | string;
}
interface Person {
  id: number;
  name: string;
}

export async function inference(): Promise<void> {
  const db = await open();
  assertType<Equal<typeof db, Database>>();
  await open('./data');
  await open({ path: './data', bigint: true, subscriptionBufferSize: 1024, subscriptionOverflow: 'drop-oldest' });
  // @ts-expect-error an unknown overflow policy
  await open({ subscriptionOverflow: 'block' });
  // @ts-expect-error bigint must be boolean
  await open({ bigint: 'yes' });

  const r = await db.execute('CREATE TABLE t (a INT)', [1]);
  assertType<Equal<typeof r, ExecuteResult>>();
  const n: number = r.rowsAffected;
  void n;

  const rows = await db.query<{ a: number; b: string }>('SELECT a, b FROM t');
  assertType<Equal<typeof rows, { a: number; b: string }[]>>();
  const untyped = await db.query('SELECT 1');
  assertType<Equal<typeof untyped, Record<string, unknown>[]>>();
  // @ts-expect-error params must be an array
  await db.query('SELECT $1', 5);

  const bids = db.source<Bid>('bid');
  assertType<Equal<typeof bids, SourceHandle<Bid>>>();
  bids.insert({ auction: 1, price: 2, channel: null, ts: new Date() });
  bids.insertMany([{ auction: 1, price: 2, channel: 'x', ts: 0 }]);
  // @ts-expect-error wrong row shape: price is a number
  bids.insert({ auction: 1, price: 'high', channel: null, ts: 0 });
  // @ts-expect-error missing required column
  bids.insert({ auction: 1 });
  // @ts-expect-error unknown column
  bids.insertMany([{ auction: 1, price: 2, channel: null, ts: 0, bidder: 3 }]);
  bids.advanceWatermark(new Date());
  bids.advanceWatermark('2024-01-01 00:00:00');

  const people = db.table<Person>('person');
  assertType<Equal<typeof people, TableHandle<Person>>>();
  people.insert({ id: 1, name: 'ann' });
  // @ts-expect-error tables have no watermark
  people.advanceWatermark(0);
  // @ts-expect-error wrong row shape
  people.insert({ id: '1', name: 'ann' });

  db.insert('bid', { anything: 1 });
  db.insert('bid', [{ a: 1 }, { b: 2 }]);
  // @ts-expect-error rows must be objects
  db.insert('bid', 5);

  const sub = db.subscribe<Person>('person_view');
  assertType<Equal<typeof sub, Subscription<Person>>>();
  for await (const change of sub) {
    assertType<Equal<typeof change, Change<Person>>>();
    const op: 'insert' | 'delete' | 'update' = change.op;
    const name: string = change.row.name;
    const old: Person | undefined = change.old;
    void op, name, old;
  }
  db.subscribe<Person>('person_view', {
    snapshot: true,
    onChange: (c) => {
      const id: number = c.row.id;
      void id;
    },
  });
  const pending: number = sub.pending;
  void pending;
  await sub.drained();
  await db.drain();
  // @ts-expect-error pending is read-only
  sub.pending = 3;

  db.registerFunction('double_it', (x: number) => x * 2, { args: ['int'], returns: 'int' });
  // @ts-expect-error a signature is required
  db.registerFunction('f', () => 1);

  const table = await db.queryArrow('SELECT 1');
  const numRows: number = table.numRows;
  void numRows;

  await db.flush();
  await db.close();
  {
    await using scoped = await open();
    void scoped;
  }

  try {
    await db.query('SELECT');
  } catch (e) {
    if (e instanceof SqlError) {
      const line: number | undefined = e.line;
      void line;
    }
    if (e instanceof SchemaError) {
      const column: string | undefined = e.column;
      const row: number | undefined = e.rowIndex;
      void column, row;
    }
    if (e instanceof LaminarError) {
      const code: string = e.code;
      void code;
    }
  }
  const closed = new ClosedError();
  assertType<Equal<typeof closed.code, string>>();
  // @ts-expect-error Database is created by open(), not constructed
  new (db.constructor as typeof import('laminardb').Database)();
}

interface KDB {
  person: { id: number; name: string };
}
export async function kyselyInference(db: Database): Promise<void> {
  const k = db.kysely<KDB>();
  const rows = await k.selectFrom('person').select(['id']).execute();
  assertType<Equal<typeof rows, { id: number }[]>>();
  // @ts-expect-error no such table in KDB
  k.selectFrom('nope');
  const untyped = db.kysely(); // JavaScript users: an untyped builder
  await untyped.selectFrom('anything').selectAll().execute();
}

// Type tests of the Kysely streaming helpers (types/index.d.ts), checked by tsc, never run: window
// table expressions keep the source's column types and add window_start / window_end as Date.
import { open, tumbleTable, hopTable, sessionTable, cumulateTable, createMaterializedView, type WindowedRow } from 'laminardb';
import type { ColumnType } from 'kysely';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_?: T): void {}

interface DB {
  // as `laminardb codegen` writes a TIMESTAMP column
  bid: { auction: number; price: number; channel: string | null; date_time: ColumnType<Date, Date | number | string, Date | number | string> };
  person: { id: number; name: string };
}

export async function streamingInference(): Promise<void> {
  const db = await open();
  const k = db.kysely<DB>();

  const rows = await k
    .selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds'))
    .select((eb) => ['auction', 'channel', 'window_start', 'window_end', eb.fn.countAll<number>().as('n')])
    .groupBy(['auction', 'channel', 'window_start', 'window_end'])
    .execute();
  assertType<Equal<(typeof rows)[number], { auction: number; channel: string | null; window_start: Date; window_end: Date; n: number }>>();

  const aliased = await k.selectFrom(hopTable(k, 'bid', 'date_time', '1 second', 5_000, { alias: 'w' })).select(['w.price', 'w.date_time']).execute();
  assertType<Equal<(typeof aliased)[number], { price: number; date_time: Date }>>();
  await k.selectFrom(sessionTable(k, 'bid', 'date_time', '30 seconds')).selectAll().execute();
  await k.selectFrom(cumulateTable(k, 'bid', 'date_time', '1 minute', '1 hour')).select('window_end').execute();

  // @ts-expect-error no such column in the window's rows
  await k.selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds')).select('bidder').execute();
  // @ts-expect-error the alias replaces the table name
  await k.selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds', { alias: 'w' })).select('bid.price').execute();
  // @ts-expect-error a window needs a timestamp column, price is a number
  tumbleTable(k, 'bid', 'price', '10 seconds');
  // @ts-expect-error no such table
  tumbleTable(k, 'auction', 'date_time', '10 seconds');
  // @ts-expect-error an interval is a string or milliseconds
  sessionTable(k, 'bid', 'date_time', { seconds: 5 });

  const q = k.selectFrom(tumbleTable(k, 'bid', 'date_time', '10 seconds')).select(['window_start']).groupBy('window_start');
  await createMaterializedView(k, 'v', q, { emit: 'window-close' });
  await createMaterializedView(k, 'v', q, { emit: 'changes', ifNotExists: true });
  // @ts-expect-error an unknown emit mode
  await createMaterializedView(k, 'v', q, { emit: 'on-close' });

  assertType<Equal<keyof WindowedRow<{ a: number; window_end: string }>, 'a' | 'window_start' | 'window_end'>>();
}

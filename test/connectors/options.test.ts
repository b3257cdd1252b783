// Bad connector options fail CREATE with an error naming the option (positioned at it), and
// nothing of that statement is created.
import t from 'tap';
import { open, SqlTypeError } from '../../lib/index.js';

const NEXMARK_BID = `auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP, extra VARCHAR`;

const cases: [string, string, RegExp][] = [
  ['unknown connector', `CREATE SOURCE x (a INT) WITH (connector = 'kafka')`, /unknown connector 'kafka' \(this build has 'datagen', 'nexmark', 'file'\)/],
  ['unknown option', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', rows_per_sec = 5)`, /unknown option 'rows_per_sec' for connector 'datagen'/],
  ['misspelt field property', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.a.lenght = 3)`, /unknown option 'fields\.a\.lenght'/],
  ['field of no column', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.b.min = 3)`, /option 'fields\.b\.min' names no column of this source \("b"\)/],
  ['negative rate', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', rows_per_second = -1)`, /option 'rows_per_second' must be greater than 0, got -1/],
  ['text where a number belongs', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', number_of_rows = 'many')`, /option 'number_of_rows' must be an integer, got "many"/],
  ['fractional count', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', number_of_rows = 1.5)`, /option 'number_of_rows' must be an integer/],
  ['batch size too large', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', batch_size = 2000000)`, /option 'batch_size' must be at most 1000000/],
  ['bad kind', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.a.kind = 'zipf')`, /option 'fields\.a\.kind' must be one of 'sequence', 'random', got 'zipf'/],
  ['max below min', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.a.min = 5, fields.a.max = 1)`, /option 'fields\.a\.max' \(1\) is below 'fields\.a\.min' \(5\)/],
  ['min out of the type', `CREATE SOURCE x (a SMALLINT) WITH (connector = 'datagen', fields.a.min = 40000)`, /option 'fields\.a\.min' must be at most 32767/],
  ['length on a number', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.a.length = 3)`, /option 'fields\.a\.length' does not apply to a random column of type INT/],
  ['min on a sequence', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.a.kind = 'sequence', fields.a.min = 3)`, /option 'fields\.a\.min' does not apply to a sequence of type INT/],
  ['unreachable end', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', fields.a.kind = 'sequence', fields.a.start = 10, fields.a.end = 1)`, /never reached/],
  ['null_rate on NOT NULL', `CREATE SOURCE x (a INT NOT NULL) WITH (connector = 'datagen', fields.a.null_rate = 0.5)`, /column "a" is NOT NULL/],
  ['bad interval', `CREATE SOURCE x (t TIMESTAMP) WITH (connector = 'datagen', fields.t.step = 'soon')`, /option 'fields\.t\.step' must be an interval/],
  ['bad timestamp', `CREATE SOURCE x (t TIMESTAMP) WITH (connector = 'datagen', fields.t.start = 'yesterday')`, /option 'fields\.t\.start' must be 'now', a timestamp/],
  ['unsupported column type', `CREATE SOURCE x (j JSONB) WITH (connector = 'datagen')`, /cannot generate column "j" of type JSONB/],
  ['two spellings of one option', `CREATE SOURCE x (a INT) WITH (connector = 'datagen', rows_per_second = 5, datagen.rows.per.second = 6)`, /options 'rows_per_second' and 'datagen\.rows\.per\.second' mean the same thing/],
  ['nexmark without a table', `CREATE SOURCE x (${NEXMARK_BID}) WITH (connector = 'nexmark')`, /needs option nexmark\.table = 'person' \| 'auction' \| 'bid'/],
  ['nexmark bad table', `CREATE SOURCE x (${NEXMARK_BID}) WITH (connector = 'nexmark', nexmark.table = 'bids')`, /option 'nexmark\.table' must be one of 'person', 'auction', 'bid', got 'bids'/],
  ['nexmark wrong columns', `CREATE SOURCE x (auction BIGINT, price BIGINT) WITH (connector = 'nexmark', nexmark.table = 'bid')`, /a nexmark bid source must have exactly the columns \(auction BIGINT, bidder BIGINT/],
  ['nexmark unknown option', `CREATE SOURCE x (${NEXMARK_BID}) WITH (connector = 'nexmark', nexmark.table = 'bid', rows_per_second = 5)`, /unknown option 'rows_per_second' for connector 'nexmark'/],
  ['nexmark zero rate', `CREATE SOURCE x (${NEXMARK_BID}) WITH (connector = 'nexmark', nexmark.table = 'bid', events_per_second = 0)`, /option 'events_per_second' must be greater than 0/],
];

t.test('each bad option is an INVALID_OPTION SqlTypeError naming it; nothing is created', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  for (const [what, sql, message] of cases) {
    await t.rejects(db.execute(sql), { constructor: SqlTypeError, code: 'INVALID_OPTION', message }, what);
    t.same(db.relations(), [], `${what}: no relation left behind`);
    t.same(db.connectors(), [], `${what}: no connector left behind`);
  }
});

t.test('the error points at the option: line and column within the statement', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const sql = `CREATE SOURCE x (a INT, b INT)
  WITH (connector = 'datagen',
        fields.a.min = 1,
        fields.b.max = 'lots')`;
  const error = await db.execute(sql).catch((e: unknown) => e as SqlTypeError);
  t.match(error, { code: 'INVALID_OPTION', line: 4, column: 9 });
  t.equal(sql.split('\n')[3]!.slice(8, 8 + 'fields.b.max'.length), 'fields.b.max');
});

t.test('a failing CREATE in a script rolls the whole script back (execute() is all-or-nothing)', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await t.rejects(
    db.execute(`CREATE TABLE before_it (a INT);
      CREATE SOURCE bad (a INT) WITH (connector = 'datagen', nope = 1);
      CREATE TABLE after_it (a INT)`),
    { code: 'INVALID_OPTION' },
  );
  t.same(db.relations().map((r) => r.name), []);
  // a connector source created by a rolled-back script never starts
  await t.rejects(db.execute(`CREATE SOURCE gen (a INT) WITH (connector = 'datagen', number_of_rows = 3); SELECT nope FROM gen`), { code: 'UNKNOWN_COLUMN' });
  t.same(db.relations().map((r) => r.name), []);
  t.equal(db.connectors().length, 0);
});

t.test('options the engine reads itself (retention, FORMAT … ENCODE) sit beside connector options', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (a INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)
    WITH (connector = 'datagen', number_of_rows = 3, retention = '1 minute', retention_rows = 10) FORMAT PLAIN ENCODE JSON`);
  t.equal(db.connectors().length, 1);
  // sources without a connector are untouched
  await db.execute(`CREATE SOURCE plain (a INT) WITH (retention_rows = 5)`);
  t.equal(db.connectors().length, 1);
});

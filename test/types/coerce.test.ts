import t from 'tap';
import { canImplicitCast, commonSupertype, implicitCastCost } from '../../lib/types/coerce.js';
import { T, type DataType } from '../../lib/types/datatype.js';

const id = (x: DataType) => (x.id === 'array' ? `${x.element?.id}[]` : x.id);

t.test('common supertype as PostgreSQL resolves CASE/COALESCE/UNION', async (t) => {
  t.equal(id(commonSupertype([T.int, T.bigint])), 'bigint');
  t.equal(id(commonSupertype([T.int, T.double])), 'double');
  t.equal(id(commonSupertype([T.int, T.decimal])), 'decimal');
  t.equal(id(commonSupertype([T.decimal, T.real])), 'real');
  t.equal(id(commonSupertype([T.smallint, T.int, T.bigint, T.double])), 'double');
  t.equal(id(commonSupertype([T.date, T.timestamp])), 'timestamp');
  t.equal(id(commonSupertype([T.timestamp, T.timestamptz])), 'timestamptz');
  t.equal(id(commonSupertype([T.null, T.int, T.null])), 'int', 'NULL adapts');
  t.equal(id(commonSupertype([T.null, T.null])), 'varchar', 'all-unknown is text');
  t.equal(id(commonSupertype([T.varchar, T.int], 'CASE', [true, false])), 'int', 'unknown literal takes the other side');
  t.equal(id(commonSupertype([T.varchar, T.varchar], 'CASE', [true, true])), 'varchar');
  t.equal(id(commonSupertype([T.array(T.int), T.array(T.bigint)])), 'bigint[]');
  t.same(commonSupertype([{ id: 'decimal', precision: 5, scale: 2 }, { id: 'decimal', precision: 10, scale: 2 }]), T.decimal);
  t.throws(() => commonSupertype([T.int, T.varchar], 'CASE'), { name: 'SqlTypeError', code: 'TYPE_MISMATCH', message: /CASE types INT and VARCHAR cannot be matched/ });
  t.throws(() => commonSupertype([T.boolean, T.int], 'UNION'), { code: 'TYPE_MISMATCH' });
  t.throws(() => commonSupertype([T.timestamp, T.interval]), { code: 'TYPE_MISMATCH' });
});

t.test('implicit casts only widen', async (t) => {
  t.ok(canImplicitCast(T.int, T.bigint));
  t.ok(canImplicitCast(T.bigint, T.decimal));
  t.ok(canImplicitCast(T.decimal, T.double));
  t.ok(canImplicitCast(T.null, T.interval));
  t.ok(canImplicitCast(T.date, T.timestamptz));
  t.notOk(canImplicitCast(T.bigint, T.int));
  t.notOk(canImplicitCast(T.double, T.decimal));
  t.notOk(canImplicitCast(T.varchar, T.int), 'text never converts implicitly');
  t.notOk(canImplicitCast(T.int, T.varchar));
  t.notOk(canImplicitCast(T.timestamp, T.date));
  t.ok(implicitCastCost(T.int, T.bigint) < implicitCastCost(T.int, T.double), 'nearer types cost less');
  t.equal(implicitCastCost(T.int, T.int), 0);
});

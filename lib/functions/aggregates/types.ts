// Aggregate names and result types. Choices (PostgreSQL unless noted):
//   count(*), count(x)            → bigint
//   sum(smallint|int|bigint)      → bigint (as DataFusion/Flink; PostgreSQL says numeric for
//                                   bigint, but a JS caller expects a number; the accumulator is
//                                   exact and raises NUMERIC_OVERFLOW past ±2^53)
//   sum(decimal)                  → decimal (exact)
//   sum(real) → real, sum(double) → double, sum(interval) → interval
//   avg(integers)                 → double (as DataFusion; PostgreSQL's numeric would surface
//                                   as a string such as '2.5000000000000000')
//   avg(decimal)                  → decimal (PostgreSQL's numeric division scale)
//   avg(real|double)              → double; avg(interval) → interval
//   min/max, first_value/last_value, any_value → the argument's type
//   bool_and/bool_or/every        → boolean
//   string_agg(varchar, varchar)  → varchar; array_agg(T) → T[]
//   stddev*/var* (any numeric)    → double (PostgreSQL gives numeric for exact inputs; double
//                                   is chosen here for speed and documented)
//   approx_count_distinct         → bigint (computed exactly)
import { SqlTypeError } from '../../errors.js';
import { type DataType, T, typeToSql } from '../../types/datatype.js';
import { isNumericType } from '../../types/cast.js';

export const AGGREGATE_NAMES = new Set([
  'count', 'count_star', 'sum', 'avg', 'min', 'max', 'first_value', 'last_value', 'any_value',
  'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'stddev', 'stddev_samp',
  'stddev_pop', 'variance', 'var_samp', 'var_pop', 'approx_count_distinct',
]);

function mismatch(name: string, args: readonly DataType[]): SqlTypeError {
  return new SqlTypeError('TYPE_MISMATCH', `function ${name}(${args.map((a) => typeToSql(a).toLowerCase()).join(', ')}) does not exist`);
}

function arity(name: string, args: readonly DataType[], n: number): void {
  if (args.length !== n) throw mismatch(name, args);
}

export function aggregateReturnType(name: string, args: readonly DataType[], _distinct: boolean): DataType {
  switch (name) {
    case 'count_star':
      return T.bigint;
    case 'count':
      if (args.length > 1) throw mismatch(name, args);
      return T.bigint;
    case 'approx_count_distinct':
      arity(name, args, 1);
      return T.bigint;
    case 'sum': {
      arity(name, args, 1);
      const a = args[0]!;
      switch (a.id) {
        case 'smallint':
        case 'int':
        case 'bigint':
          return T.bigint;
        case 'decimal':
          return T.decimal;
        case 'real':
        case 'double':
        case 'interval':
          return a;
        case 'null':
          return T.decimal;
        default:
          throw mismatch(name, args);
      }
    }
    case 'avg': {
      arity(name, args, 1);
      const a = args[0]!;
      if (a.id === 'real' || a.id === 'double' || a.id === 'smallint' || a.id === 'int' || a.id === 'bigint') return T.double;
      if (a.id === 'interval') return T.interval;
      if (isNumericType(a) || a.id === 'null') return T.decimal;
      throw mismatch(name, args);
    }
    case 'min':
    case 'max':
      arity(name, args, 1);
      if (args[0]!.id === 'jsonb') throw mismatch(name, args);
      return args[0]!.id === 'null' ? T.varchar : args[0]!;
    case 'first_value':
    case 'last_value':
    case 'any_value':
      if (args.length < 1) throw mismatch(name, args);
      return args[0]!;
    case 'bool_and':
    case 'bool_or':
    case 'every':
      arity(name, args, 1);
      if (args[0]!.id !== 'boolean' && args[0]!.id !== 'null') throw mismatch(name, args);
      return T.boolean;
    case 'string_agg':
      arity(name, args, 2);
      if ((args[0]!.id !== 'varchar' && args[0]!.id !== 'null') || (args[1]!.id !== 'varchar' && args[1]!.id !== 'null')) {
        throw mismatch(name, args);
      }
      return T.varchar;
    case 'array_agg':
      arity(name, args, 1);
      return T.array(args[0]!.id === 'null' ? T.varchar : args[0]!);
    case 'stddev':
    case 'stddev_samp':
    case 'stddev_pop':
    case 'variance':
    case 'var_samp':
    case 'var_pop':
      arity(name, args, 1);
      if (!isNumericType(args[0]!) && args[0]!.id !== 'null') throw mismatch(name, args);
      return T.double;
    default:
      throw new SqlTypeError('UNKNOWN_FUNCTION', `aggregate function ${name} does not exist`);
  }
}

// Turns a BoundExpr tree into JavaScript statements. Each node becomes a `const`/`let` temporary;
// NULL propagation is written inline (a strict call is guarded by `!== null` tests, skipped for
// operands proven non-NULL), AND/OR/CASE/COALESCE short-circuit, constants are hoisted into
// closure variables, and functions with constant pattern/format arguments are specialised once.
// compile.ts wraps the statements into scalar, projection and filter functions.
import { ExecutionError, SqlTypeError } from '../../errors.js';
import { arithHelpers } from '../../functions/arith.js';
import { regexpMatchElement } from '../../functions/regexp.js';
import { resolveOperator, type ResolvedFunction } from '../../functions/registry.js';
import type { ImplFn } from '../../functions/signature.js';
import type { BoundCall, BoundCase, BoundCast, BoundExpr, BoundUdfCall } from '../../plan/bound.js';
import { isNoopCast, makeCast } from '../../types/cast.js';
import { sameType } from '../../types/coerce.js';
import { comparatorFor } from '../../types/compare.js';
import { T, type DataType } from '../../types/datatype.js';
import type { Value } from '../../types/value.js';
import { guardUdf, type UdfRegistry } from './udf.js';
import { decimalTimesInteger, matchDecimalTimesInteger } from './decimal-scale.js';

export interface CompileOptions {
  /** registry for BoundUdfCall nodes */
  udfs?: UdfRegistry;
  /** nonNullInputs[k]: input column k never holds NULL (enables typed-array outputs) */
  nonNullInputs?: readonly boolean[];
}

/** The result of emitting one node: a JS expression (variable or literal) and what we know. */
export interface Emitted {
  code: string;
  nonNull: boolean;
  /** the node is a literal with this value */
  constant?: { value: Value };
}

const INTEGER_IDS = new Set(['smallint', 'int', 'bigint']);
const PRIMITIVE_IDS = new Set(['boolean', 'smallint', 'int', 'bigint', 'real', 'double', 'varchar', 'timestamp', 'timestamptz', 'date']);

export class Emitter {
  readonly lines: string[] = [];
  /** closure values: helpers, constants, functions */
  readonly closure: unknown[] = [];
  private readonly closureIndex = new Map<unknown, number>();
  private tmp = 0;
  /** input column indices read, so callers can hoist `const cK = cols[K]` */
  readonly columnsUsed = new Set<number>();

  constructor(private readonly opts: CompileOptions) {}

  /** A closure variable holding `v` (deduplicated by identity). */
  ref(v: unknown): string {
    let k = this.closureIndex.get(v);
    if (k === undefined) {
      k = this.closure.length;
      this.closure.push(v);
      this.closureIndex.set(v, k);
    }
    return 'k' + k;
  }

  fresh(): string {
    return 'v' + this.tmp++;
  }

  emit(e: BoundExpr): Emitted {
    switch (e.kind) {
      case 'column':
        this.columnsUsed.add(e.index);
        return { code: `c${e.index}[i]`, nonNull: this.opts.nonNullInputs?.[e.index] === true };
      case 'literal':
        return { code: this.literal(e.value), nonNull: e.value !== null, constant: { value: e.value } };
      case 'cast':
        return this.emitCast(e);
      case 'case':
        return this.emitCase(e);
      case 'udf':
        return this.emitUdf(e);
      case 'call':
        return this.emitCall(e);
      default:
        throw new SqlTypeError('UNSUPPORTED', `cannot compile expression node ${(e as { kind: string }).kind}`);
    }
  }

  /** Bind an expression to a temporary so it is evaluated once. */
  private bind(x: Emitted): Emitted {
    if (x.constant || /^v\d+$/.test(x.code)) return x;
    const v = this.fresh();
    this.lines.push(`const ${v} = ${x.code};`);
    return { code: v, nonNull: x.nonNull, constant: x.constant };
  }

  private literal(v: Value): string {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) return this.ref(v);
      return v < 0 ? `(${v})` : String(v); // parenthesised so '-' templates never form '--'
    }
    if (typeof v === 'string') return JSON.stringify(v);
    return this.ref(v);
  }

  private emitCast(e: BoundCast): Emitted {
    const from = e.expr.type;
    const inner = this.emit(e.expr);
    if (isNoopCast(from, e.type) || (sameType(from, e.type) && !(e.type.id === 'decimal' && e.type.precision !== undefined))) return inner;
    const cast = makeCast(from, e.type);
    if (inner.constant) {
      // fold casts of constants (e.g. the numeric 8 in extract(hour …) >= 8); a failing cast
      // stays in the code so the error is raised only if the row is evaluated
      const folded = tryFold(() => (inner.constant!.value === null ? null : cast(inner.constant!.value)));
      if (folded) return this.constantResult(folded.value);
    }
    const fn = this.ref(cast);
    const x = this.bind(inner);
    const v = this.fresh();
    if (e.try) {
      const ex = this.ref(ExecutionError);
      this.lines.push(`let ${v} = null;`);
      this.lines.push(`if (${x.code} !== null) { try { ${v} = ${fn}(${x.code}); } catch (err) { if (!(err instanceof ${ex})) throw err; } }`);
      return { code: v, nonNull: false };
    }
    if (x.nonNull) {
      this.lines.push(`const ${v} = ${fn}(${x.code});`);
      return { code: v, nonNull: true };
    }
    this.lines.push(`const ${v} = ${x.code} === null ? null : ${fn}(${x.code});`);
    return { code: v, nonNull: false };
  }

  private emitCase(e: BoundCase): Emitted {
    const r = this.fresh();
    this.lines.push(`let ${r};`);
    let allNonNull = true;
    let open = 0;
    for (const w of e.whens) {
      const c = this.emit(w.when);
      this.lines.push(`if (${c.code} === true) {`);
      const t = this.emitCoerced(w.then, e.type);
      allNonNull &&= t.nonNull;
      this.lines.push(`${r} = ${t.code};`, '} else {');
      open++;
    }
    const el = this.emitCoerced(e.else, e.type);
    allNonNull &&= el.nonNull;
    this.lines.push(`${r} = ${el.code};`);
    for (let k = 0; k < open; k++) this.lines.push('}');
    return { code: r, nonNull: allNonNull };
  }

  /** Emit `x` and cast it to `type` if the binder left the types apart. */
  private emitCoerced(x: BoundExpr, type: DataType): Emitted {
    if (sameType(x.type, type) || x.type.id === 'null' || isNoopCast(x.type, type)) return this.emit(x);
    return this.emitCast({ kind: 'cast', expr: x, type, try: false });
  }

  private emitUdf(e: BoundUdfCall): Emitted {
    if (!this.opts.udfs) throw new SqlTypeError('UNKNOWN_FUNCTION', `function ${e.name} does not exist (no UDF registry)`);
    const def = this.opts.udfs.require(e.name);
    const fn = this.ref(guardUdf(def));
    const args = e.args.map((a, k) => this.bind(this.emitCoerced(a, def.argTypes[k] ?? a.type)).code);
    const v = this.fresh();
    this.lines.push(`const ${v} = ${fn}(${args.join(', ')});`);
    return { code: v, nonNull: false };
  }

  private resolve(e: BoundCall): ResolvedFunction {
    // Operators and named functions share one table; the types are final after binding.
    return resolveOperator(e.name.toLowerCase(), e.args.map((a) => a.type));
  }

  private emitCall(e: BoundCall): Emitted {
    switch (e.name) {
      case 'and':
      case 'or':
        return this.emitAndOr(e);
      case 'coalesce':
        return this.emitCoalesce(e);
      case 'in':
        return this.emitIn(e);
      case 'subscript': {
        const fused = this.fusedRegexpMatchElement(e);
        if (fused) return fused;
        break;
      }
      case '*': {
        const fused = this.fusedDecimalTimesInteger(e);
        if (fused) return fused;
        break;
      }
      case '%':
      case 'mod': {
        const fused = this.fusedConstantModulo(e);
        if (fused) return fused;
        break;
      }
      default:
        break;
    }
    const r = this.resolve(e);
    const impl = r.impl;
    // Evaluate arguments (cast to the resolved signature where the binder did not).
    const args: Emitted[] = e.args.map((a, k) => this.bind(this.emitCoerced(a, r.argTypes[k] ?? a.type)));
    let fn: ImplFn | undefined;
    if (impl.specialize) {
      const constants = args.map((a) => a.constant?.value);
      try {
        fn = impl.specialize(constants, r.argTypes);
      } catch (err) {
        // e.g. an invalid constant pattern: the generic path raises it when a row is evaluated
        if (!(err instanceof ExecutionError)) throw err;
      }
    }
    if (!impl.volatile && args.every((a) => a.constant)) {
      const values = args.map((a) => a.constant!.value);
      const f = fn ?? impl.fn;
      const extra = impl.wantsTypes && fn === undefined ? [r.argTypes] : [];
      const folded = tryFold(() => (impl.strict && values.some((v) => v === null) ? null : f(...values, ...extra)));
      if (folded) return this.constantResult(folded.value);
    }
    const useInline = fn === undefined && impl.inline !== undefined;
    const argCodes = args.map((a) => a.code);
    let call: string;
    if (useInline) call = impl.inline!(argCodes);
    else {
      const f = this.ref(fn ?? impl.fn);
      const extra = impl.wantsTypes && fn === undefined ? [this.ref(r.argTypes)] : [];
      call = `${f}(${[...argCodes, ...extra].join(', ')})`;
    }
    const v = this.fresh();
    const nullable = impl.strict ? args.filter((a) => !a.nonNull) : [];
    if (nullable.some((a) => a.constant && a.constant.value === null)) {
      this.lines.push(`const ${v} = null;`);
      return { code: v, nonNull: false };
    }
    if (nullable.length === 0) this.lines.push(`const ${v} = ${call};`);
    else this.lines.push(`const ${v} = (${nullable.map((a) => `${a.code} === null`).join(' || ')}) ? null : ${call};`);
    // Inline templates (arithmetic, comparisons) never turn non-NULL inputs into NULL.
    const nonNull = impl.strict && useInline && nullable.length === 0;
    return { code: v, nonNull };
  }

  /** DECIMAL constant * CAST(integer AS DECIMAL) → one helper call and one Decimal per row. */
  private fusedDecimalTimesInteger(e: BoundCall): Emitted | undefined {
    const m = matchDecimalTimesInteger(e);
    if (m === undefined) return undefined;
    const x = this.bind(this.emit(m.integer));
    if (x.constant) return undefined; // both constant: folded by the generic path
    const f = this.ref(decimalTimesInteger(m.constant, m.cast));
    const v = this.fresh();
    this.lines.push(x.nonNull ? `const ${v} = ${f}(${x.code});` : `const ${v} = ${x.code} === null ? null : ${f}(${x.code});`);
    return { code: v, nonNull: x.nonNull };
  }

  /**
   * integer % non-zero int32 constant → inline, with an int32 path. Integer columns arrive as
   * doubles (a BIGINT column is a Float64Array), and V8 compiles a double `%` to a call to fmod;
   * `(x | 0) % K` on a value that is an int32 becomes a machine integer remainder (several
   * times faster). Both paths give the same JS value, and `+ 0` turns -0 into 0 as imod does.
   */
  private fusedConstantModulo(e: BoundCall): Emitted | undefined {
    if (e.args.length !== 2 || !INTEGER_IDS.has(e.type.id)) return undefined;
    const r = this.resolve(e);
    if (!r.argTypes.every((t) => INTEGER_IDS.has(t.id))) return undefined;
    const divisor = constantOf(e.args[1]!, r.argTypes[1]!)?.value;
    if (typeof divisor !== 'number' || !Number.isInteger(divisor) || divisor === 0 || divisor !== (divisor | 0)) return undefined;
    const x = this.bind(this.emitCoerced(e.args[0]!, r.argTypes[0]!));
    if (x.constant) return undefined; // both constant: folded by the generic path
    const k = this.literal(divisor);
    const remainder = `(((${x.code} | 0) === ${x.code} ? (${x.code} | 0) % ${k} : ${x.code} % ${k}) + 0)`;
    const v = this.fresh();
    this.lines.push(x.nonNull ? `const ${v} = ${remainder};` : `const ${v} = ${x.code} === null ? null : ${remainder};`);
    return { code: v, nonNull: x.nonNull };
  }

  /** regexp_match(s, 'const')[const] → one regex exec, no group array. */
  private fusedRegexpMatchElement(e: BoundCall): Emitted | undefined {
    const inner = e.args[0]!;
    if (e.args.length !== 2 || inner.kind !== 'call' || inner.name !== 'regexp_match') return undefined;
    if (inner.args.length !== 2 && inner.args.length !== 3) return undefined;
    const pattern = constantOf(inner.args[1]!, T.varchar)?.value;
    const flags = inner.args.length === 3 ? constantOf(inner.args[2]!, T.varchar)?.value : '';
    const index = constantOf(e.args[1]!, e.args[1]!.type)?.value;
    if (typeof pattern !== 'string' || typeof flags !== 'string' || typeof index !== 'number') return undefined;
    let fn: (s: string) => Value;
    try {
      fn = regexpMatchElement(pattern, flags, index);
    } catch (err) {
      if (err instanceof ExecutionError) return undefined; // the unfused path raises it per row
      throw err;
    }
    const subject = this.bind(this.emitCoerced(inner.args[0]!, T.varchar));
    const f = this.ref(fn);
    const v = this.fresh();
    this.lines.push(`const ${v} = ${subject.code} === null ? null : ${f}(${subject.code});`);
    return { code: v, nonNull: false };
  }

  private constantResult(value: Value): Emitted {
    return { code: this.literal(value), nonNull: value !== null, constant: { value } };
  }

  /** Three-valued AND/OR with short-circuit: FALSE (AND) / TRUE (OR) decides alone. */
  private emitAndOr(e: BoundCall): Emitted {
    const isAnd = e.name === 'and';
    const decisive = isAnd ? 'false' : 'true';
    const r = this.fresh();
    const first = this.emit(e.args[0]!);
    this.lines.push(`let ${r} = ${first.code};`);
    let nonNull = first.nonNull;
    for (let k = 1; k < e.args.length; k++) {
      this.lines.push(`if (${r} !== ${decisive}) {`);
      const b = this.bind(this.emit(e.args[k]!));
      nonNull &&= b.nonNull;
      this.lines.push(`${r} = ${b.code} === ${decisive} ? ${decisive} : (${r} === null || ${b.code} === null) ? null : ${isAnd ? 'true' : 'false'};`, '}');
    }
    return { code: r, nonNull };
  }

  private emitCoalesce(e: BoundCall): Emitted {
    const r = this.fresh();
    const first = this.emitCoerced(e.args[0]!, e.type);
    this.lines.push(`let ${r} = ${first.code};`);
    if (first.nonNull) return { code: r, nonNull: true };
    let open = 0;
    let nonNull = false;
    for (let k = 1; k < e.args.length; k++) {
      this.lines.push(`if (${r} === null) {`);
      open++;
      const x = this.emitCoerced(e.args[k]!, e.type);
      this.lines.push(`${r} = ${x.code};`);
      if (x.nonNull) {
        nonNull = true;
        break;
      }
    }
    for (let k = 0; k < open; k++) this.lines.push('}');
    return { code: r, nonNull };
  }

  /** x IN (list): a hoisted Set when the list is constant primitives, else a compare loop. */
  private emitIn(e: BoundCall): Emitted {
    const r = this.resolve(e);
    const elementType = r.argTypes[0]!;
    const x = this.bind(this.emitCoerced(e.args[0]!, elementType));
    const items = e.args.slice(1);
    const v = this.fresh();
    const constants = items.map((a) => constantOf(a, elementType));
    if (PRIMITIVE_IDS.has(elementType.id) && constants.every((c) => c !== undefined)) {
      const values = constants.filter((c) => c!.value !== null).map((c) => c!.value);
      const sawNull = values.length !== constants.length;
      const miss = sawNull ? 'null' : 'false';
      // a short list of numbers/strings compiles to a chain of === (faster than Set.has)
      const small = values.length <= 8 && values.every((c) => typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c)));
      const test = small
        ? values.length === 0 ? 'false' : '(' + values.map((c) => `${x.code} === ${this.literal(c)}`).join(' || ') + ')'
        : `${this.ref(new Set(values))}.has(${x.code})`;
      this.lines.push(`const ${v} = ${x.code} === null ? null : ${test} ? true : ${miss};`);
      return { code: v, nonNull: x.nonNull && !sawNull };
    }
    const cmp = this.ref(comparatorFor(elementType));
    this.lines.push(`let ${v} = ${x.code} === null ? null : false;`);
    this.lines.push(`if (${v} === false) {`);
    let open = 1;
    for (const a of items) {
      const y = this.bind(this.emitCoerced(a, elementType));
      this.lines.push(`if (${y.code} === null) ${v} = null; else if (${cmp}(${x.code}, ${y.code}) === 0) { ${v} = true; } else {`);
      open++;
    }
    for (let k = 0; k < open; k++) this.lines.push('}');
    return { code: v, nonNull: false };
  }
}

/** Evaluate at compile time; an ExecutionError means "leave it to run time". */
function tryFold(f: () => Value): { value: Value } | undefined {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof ExecutionError) return undefined;
    throw e;
  }
}

/** The value of a literal (or casts of one) converted to `type`; undefined if not constant. */
export function constantOf(e: BoundExpr, type: DataType): { value: Value } | undefined {
  let value: Value;
  if (e.kind === 'literal') value = e.value;
  else if (e.kind === 'cast' && !e.try) {
    const inner = constantOf(e.expr, e.expr.type);
    if (!inner) return undefined;
    value = inner.value === null ? null : makeCast(e.expr.type, e.type)(inner.value);
  } else return undefined;
  if (value !== null && !sameType(e.type, type) && e.type.id !== 'null') value = makeCast(e.type, type)(value);
  return { value };
}

/** Build the outer factory: closure constants become `const kN = K[N]` before `body`. */
export function instantiate<F>(em: Emitter, body: string): F {
  const prelude = em.closure.map((_, k) => `const k${k} = K[${k}];`).join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('h', 'K', `'use strict';\n${prelude}\n${body}`) as (h: unknown, K: unknown[]) => F;
  return factory(arithHelpers, em.closure);
}

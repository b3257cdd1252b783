// The expression compiler's public entry points. Bound expressions become specialised JavaScript
// functions built with `new Function`, so V8 optimises each expression's own code:
//   compileScalar(expr)      → (cols, i) => Value            one row
//   compileProjection(exprs) → (batch) => Column[]           one loop over the batch
//   compileFilter(pred)      → (batch) => Uint32Array        selection: indices where pred is TRUE
//   compileSelectInto(pred)  → (batch, out) => count         the same, written into a caller's buffer
// Filters return a selection vector (not a new batch) so a filter followed by a projection can
// gather once; `applySelection` turns a selection into a Batch, weights included.
// Columns are read-only: a projected bare column reference returns the input column itself.
import type { BoundExpr } from '../../plan/bound.js';
import type { DataType } from '../../types/datatype.js';
import type { Value } from '../../types/value.js';
import type { Batch, Column } from '../batch.js';
import { type CompileOptions, Emitter, instantiate } from './codegen.js';

export type { CompileOptions } from './codegen.js';

export type ScalarFn = (cols: ArrayLike<Value>[], i: number) => Value;
export type ProjectionFn = (input: Batch) => Column[];
export type FilterFn = (input: Batch) => Uint32Array;
/** Writes the ascending row indices where the predicate is TRUE into `out` (at least
 *  input.length long); returns how many. */
export type SelectIntoFn = (input: Batch, out: Uint32Array) => number;

function hoistColumns(em: Emitter): string {
  return [...em.columnsUsed].map((k) => `const c${k} = cols[${k}];`).join(' ');
}

/** A function computing `expr` for row `i` of the given columns. */
export function compileScalar(expr: BoundExpr, opts: CompileOptions = {}): ScalarFn {
  const em = new Emitter(opts);
  const r = em.emit(expr);
  const body = em.lines.join('\n');
  return instantiate<ScalarFn>(em, `return function scalar(cols, i) {\n${hoistColumns(em)}\n${body}\nreturn ${r.code};\n};`);
}

/** Input column indices an expression reads. */
function columnsRead(e: BoundExpr, out: Set<number>): Set<number> {
  switch (e.kind) {
    case 'column':
      out.add(e.index);
      break;
    case 'literal':
      break;
    case 'cast':
      columnsRead(e.expr, out);
      break;
    case 'case':
      for (const w of e.whens) {
        columnsRead(w.when, out);
        columnsRead(w.then, out);
      }
      columnsRead(e.else, out);
      break;
    default:
      for (const a of e.args) columnsRead(a, out);
  }
  return out;
}

/**
 * Without declared nullability, specialise per batch shape: a typed-array input column cannot
 * hold NULL, so a variant compiled for that shape skips its NULL tests and may emit typed
 * arrays. Variants are compiled on first sight of a shape (at most 2^k for k columns read,
 * in practice one or two).
 */
function adaptive<F extends (input: Batch, out: Uint32Array) => unknown>(
  exprs: readonly BoundExpr[],
  opts: CompileOptions,
  build: (exprs: readonly BoundExpr[], opts: CompileOptions) => F,
): F {
  if (opts.nonNullInputs) return build(exprs, opts);
  const read = new Set<number>();
  for (const e of exprs) columnsRead(e, read);
  const cols = [...read].slice(0, 30);
  if (cols.length === 0) return build(exprs, opts);
  const variants = new Map<number, F>();
  return ((input: Batch, out: Uint32Array) => {
    let shape = 0;
    for (let b = 0; b < cols.length; b++) if (ArrayBuffer.isView(input.columns[cols[b]!])) shape |= 1 << b;
    let f = variants.get(shape);
    if (f === undefined) {
      const nonNullInputs: boolean[] = [];
      for (let b = 0; b < cols.length; b++) if (shape & (1 << b)) nonNullInputs[cols[b]!] = true;
      f = build(exprs, { ...opts, nonNullInputs });
      variants.set(shape, f);
    }
    return f(input, out);
  }) as F;
}

/** Which typed array holds non-NULL values of a type, if any. */
function typedArrayFor(type: DataType): string | undefined {
  switch (type.id) {
    case 'smallint':
    case 'int':
      return 'Int32Array';
    case 'real':
      return 'Float32Array';
    case 'bigint':
    case 'double':
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      return 'Float64Array';
    default:
      return undefined;
  }
}

/**
 * One function computing every expression over a batch in a single row loop. Outputs are typed
 * arrays where the type is numeric and the expression provably never yields NULL (given
 * opts.nonNullInputs), plain arrays otherwise.
 */
export function compileProjection(exprs: readonly BoundExpr[], opts: CompileOptions = {}): ProjectionFn {
  return adaptive(exprs, opts, compileProjectionFixed);
}

function compileProjectionFixed(exprs: readonly BoundExpr[], opts: CompileOptions): ProjectionFn {
  const em = new Emitter(opts);
  const allocs: string[] = [];
  const results: string[] = [];
  const stores: string[] = [];
  const loopBody: string[] = [];
  exprs.forEach((e, k) => {
    if (e.kind === 'column') {
      results.push(`cols[${e.index}]`);
      return;
    }
    const start = em.lines.length;
    const r = em.emit(e);
    const lines = em.lines.splice(start);
    const typed = r.nonNull ? typedArrayFor(e.type) : undefined;
    allocs.push(typed ? `const o${k} = new ${typed}(n);` : `const o${k} = new Array(n);`);
    loopBody.push('{', ...lines, `o${k}[i] = ${r.code};`, '}');
    results.push(`o${k}`);
    stores.push(`o${k}`);
  });
  const body =
    `return function project(input) {\n` +
    `const n = input.length; const cols = input.columns;\n` +
    `${hoistColumns(em)}\n${allocs.join('\n')}\n` +
    (stores.length ? `for (let i = 0; i < n; i++) {\n${loopBody.join('\n')}\n}\n` : '') +
    `return [${results.join(', ')}];\n};`;
  return instantiate<ProjectionFn>(em, body);
}

// A one-row batch (a single-event insert) gets one of these shared selections instead of a new
// Uint32Array per call: selections are read, never written, by their consumers.
const ROW_ZERO_SELECTED = Uint32Array.of(0);
const NONE_SELECTED = new Uint32Array(0);

/** The row indices of `input` where `pred` is TRUE (NULL and FALSE drop the row). The result
 *  is read-only (one-row batches share it). */
export function compileFilter(pred: BoundExpr, opts: CompileOptions = {}): FilterFn {
  return adaptive([pred], opts, (e, o) => compileFilterFixed(e[0]!, o));
}

function compileFilterFixed(pred: BoundExpr, opts: CompileOptions): FilterFn {
  const em = new Emitter(opts);
  const r = em.emit(pred);
  const one = em.ref(ROW_ZERO_SELECTED);
  const none = em.ref(NONE_SELECTED);
  const body =
    `return function filter(input) {\n` +
    `const n = input.length; const cols = input.columns;\n${hoistColumns(em)}\n` +
    `if (n === 1) { const i = 0;\n${em.lines.join('\n')}\nreturn ${r.code} === true ? ${one} : ${none}; }\n` +
    `const sel = new Uint32Array(n); let m = 0;\n` +
    `for (let i = 0; i < n; i++) {\n${em.lines.join('\n')}\nif (${r.code} === true) sel[m++] = i;\n}\n` +
    `return m === n ? sel : sel.subarray(0, m);\n};`;
  return instantiate<FilterFn>(em, body);
}

/**
 * compileFilter without a result array per call: the selected row indices go into the caller's
 * `out` (an operator keeps one scratch buffer), the count is returned.
 */
export function compileSelectInto(pred: BoundExpr, opts: CompileOptions = {}): SelectIntoFn {
  return adaptive([pred], opts, (e, o) => compileSelectIntoFixed(e[0]!, o));
}

function compileSelectIntoFixed(pred: BoundExpr, opts: CompileOptions): SelectIntoFn {
  const em = new Emitter(opts);
  const r = em.emit(pred);
  const body =
    `return function selectInto(input, out) {\n` +
    `const n = input.length; const cols = input.columns;\n${hoistColumns(em)}\n` +
    `let m = 0;\n` +
    `for (let i = 0; i < n; i++) {\n${em.lines.join('\n')}\nif (${r.code} === true) out[m++] = i;\n}\n` +
    `return m;\n};`;
  return instantiate<SelectIntoFn>(em, body);
}

/** One flag per row (1 where `pred` is TRUE): for operators that keep rows in place. */
export function compileMask(pred: BoundExpr, opts: CompileOptions = {}): (input: Batch) => Uint8Array {
  return adaptive([pred], opts, (e, o) => compileMaskFixed(e[0]!, o));
}

function compileMaskFixed(pred: BoundExpr, opts: CompileOptions): (input: Batch) => Uint8Array {
  const em = new Emitter(opts);
  const r = em.emit(pred);
  const body =
    `return function mask(input) {\n` +
    `const n = input.length; const cols = input.columns;\n${hoistColumns(em)}\n` +
    `const out = new Uint8Array(n);\n` +
    `for (let i = 0; i < n; i++) {\n${em.lines.join('\n')}\nif (${r.code} === true) out[i] = 1;\n}\n` +
    `return out;\n};`;
  return instantiate<(input: Batch) => Uint8Array>(em, body);
}

/** Gather column `col` at the selected rows, keeping a typed array's kind. */
export function gather(col: Column, sel: Uint32Array): Column {
  const m = sel.length;
  const C = (col as unknown as { constructor: unknown }).constructor;
  if (C !== Array && ArrayBuffer.isView(col)) {
    const out = new (C as new (n: number) => Column)(m);
    for (let j = 0; j < m; j++) out[j] = col[sel[j]!]!;
    return out;
  }
  const out = new Array<Value>(m);
  for (let j = 0; j < m; j++) out[j] = col[sel[j]!]!;
  return out;
}

/** The batch restricted to the selected rows (weights gathered too). */
export function applySelection(input: Batch, sel: Uint32Array): Batch {
  if (sel.length === input.length) return input;
  const columns = input.columns.map((c) => gather(c, sel));
  let weights: Int32Array | null = null;
  if (input.weights) {
    weights = new Int32Array(sel.length);
    for (let j = 0; j < sel.length; j++) weights[j] = input.weights[sel[j]!]!;
  }
  return { length: sel.length, columns, weights };
}

/** Filter then project in one step (the common Filter→Project pipeline). */
export function compileFilterProject(pred: BoundExpr, exprs: readonly BoundExpr[], opts: CompileOptions = {}): (input: Batch) => Batch {
  const filter = compileFilter(pred, opts);
  const project = compileProjection(exprs, opts);
  return (input) => {
    const selected = applySelection(input, filter(input));
    return { length: selected.length, columns: project(selected), weights: selected.weights };
  };
}

/** Evaluate a row-independent expression once (constant folding, VALUES, LIMIT arguments). */
export function evaluateConstant(expr: BoundExpr, opts: CompileOptions = {}): Value {
  return compileScalar(expr, opts)([], 0);
}

// The expression compiler the physical builder uses: lib/exec/expr's generated functions,
// adapted to the operators' conventions (Filter and join residuals take a per-row mask).
//
// Inside an incrementally maintained view a runtime expression error (division by zero, an
// out-of-range cast …) must not make inserts into the base tables fail, nor a view impossible to
// create over empty inputs: the lenient compiler evaluates the failing batch again expression by
// expression and row by row, turns each failing value into NULL (a failing predicate into "not
// selected") and reports the error. One-shot SELECTs use the strict compiler (PostgreSQL's error).
// See docs/expression-errors.md.

import { LaminarError } from '../errors.js';
import type { Batch, Column } from '../exec/batch.js';
import { compileFilter, compileProjection, compileSelectInto } from '../exec/expr/compile.js';
import type { UdfRegistry } from '../exec/expr/udf.js';
import type { ProjectionFn } from '../exec/operators/project.js';
import type { PredicateFn, SelectIntoFn } from '../exec/operators/filter.js';
import type { BoundExpr } from '../plan/bound.js';
import type { ExprCompiler } from '../plan/physical.js';

/** Called once per value that became NULL because its expression failed. */
export type ExpressionErrorHandler = (error: LaminarError) => void;

export function createCompiler(udfs: UdfRegistry, onExpressionError?: ExpressionErrorHandler): ExprCompiler {
  const strictPredicate = (expr: BoundExpr): PredicateFn => {
    const select = compileFilter(expr, { udfs });
    // compileFilter yields the selected row indices; operators expect one flag per row
    return (batch) => {
      const sel = select(batch);
      const mask = new Uint8Array(batch.length);
      for (let j = 0; j < sel.length; j++) mask[sel[j]!] = 1;
      return mask;
    };
  };
  const strictProjection = (exprs: BoundExpr[]): ProjectionFn => compileProjection(exprs, { udfs });
  const strictSelection = (expr: BoundExpr): SelectIntoFn => compileSelectInto(expr, { udfs });
  if (!onExpressionError) return { projection: strictProjection, predicate: strictPredicate, selection: strictSelection };
  return {
    onExpressionError,
    projection: (exprs) => lenientProjection(exprs, strictProjection, onExpressionError),
    selection: (expr) => lenientSelection(strictSelection(expr), onExpressionError),
    predicate: (expr) => {
      const strict = strictPredicate(expr);
      return (batch) => {
        try {
          return strict(batch);
        } catch (err) {
          if (!(err instanceof LaminarError)) throw err;
          const mask = new Uint8Array(batch.length);
          for (let i = 0; i < batch.length; i++) {
            try {
              mask[i] = strict(rowBatch(batch, i))[0] ? 1 : 0;
            } catch (rowErr) {
              if (!(rowErr instanceof LaminarError)) throw rowErr;
              onExpressionError(rowErr);
            }
          }
          return mask;
        }
      };
    },
  };
}

/** The fast whole-batch function; on an expression error, each expression alone, and a failing one row by row. */
function lenientProjection(exprs: BoundExpr[], compile: (exprs: BoundExpr[]) => ProjectionFn, onError: ExpressionErrorHandler): ProjectionFn {
  const whole = compile(exprs);
  let single: ProjectionFn[] | undefined;
  return (batch) => {
    try {
      return whole(batch);
    } catch (err) {
      if (!(err instanceof LaminarError)) throw err;
      single ??= exprs.map((e) => compile([e]));
      return single.map((fn) => {
        try {
          return fn(batch)[0]!;
        } catch (exprErr) {
          if (!(exprErr instanceof LaminarError)) throw exprErr;
          const out: unknown[] = new Array(batch.length);
          for (let i = 0; i < batch.length; i++) {
            try {
              out[i] = (fn(rowBatch(batch, i))[0] as ArrayLike<unknown>)[0] ?? null;
            } catch (rowErr) {
              if (!(rowErr instanceof LaminarError)) throw rowErr;
              onError(rowErr);
              out[i] = null;
            }
          }
          return out as Column;
        }
      });
    }
  };
}

/** The whole-batch selection; on an expression error, row by row, a failing row not selected. */
function lenientSelection(strict: SelectIntoFn, onError: ExpressionErrorHandler): SelectIntoFn {
  const one = new Uint32Array(1);
  return (batch, out) => {
    try {
      return strict(batch, out);
    } catch (err) {
      if (!(err instanceof LaminarError)) throw err;
      let m = 0;
      for (let i = 0; i < batch.length; i++) {
        try {
          if (strict(rowBatch(batch, i), one) === 1) out[m++] = i;
        } catch (rowErr) {
          if (!(rowErr instanceof LaminarError)) throw rowErr;
          onError(rowErr);
        }
      }
      return m;
    }
  };
}

/** Row `i` of a batch as a one-row batch (error path only). */
function rowBatch(batch: Batch, i: number): Batch {
  return { length: 1, columns: batch.columns.map((c) => [c[i] ?? null] as Column), weights: null };
}

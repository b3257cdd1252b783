// The expression compiler the physical builder uses: lib/exec/expr's generated functions,
// adapted to the operators' conventions (Filter and join residuals take a per-row mask).

import { compileFilter, compileProjection } from '../exec/expr/compile.js';
import type { UdfRegistry } from '../exec/expr/udf.js';
import type { ExprCompiler } from '../plan/physical.js';

export function createCompiler(udfs: UdfRegistry): ExprCompiler {
  return {
    projection: (exprs) => compileProjection(exprs, { udfs }),
    predicate: (expr) => {
      const select = compileFilter(expr, { udfs });
      // compileFilter yields the selected row indices; operators expect one flag per row
      return (batch) => {
        const sel = select(batch);
        const mask = new Uint8Array(batch.length);
        for (let j = 0; j < sel.length; j++) mask[sel[j]!] = 1;
        return mask;
      };
    },
  };
}

// JavaScript user-defined functions: the user writes them over user-facing values (Date for
// timestamps, string for decimals …); the engine calls them with internal values. The wrapper
// converts only the arguments and result whose representations differ.

import { ExecutionError, LaminarError } from '../errors.js';
import { toExternal, toInternal } from '../types/convert.js';
import type { DataType } from '../types/datatype.js';
import type { Value } from '../types/value.js';
import { toDataType } from './type-names.js';

/** A JS function's SQL signature: argument and result types as SQL type names (or DataTypes). */
export interface FunctionSignature {
  args: readonly (string | DataType)[];
  returns: string | DataType;
}

export interface ResolvedUdf {
  fn: (...args: Value[]) => Value;
  sig: { args: DataType[]; returns: DataType };
}

const SAME_IN_JS = new Set(['boolean', 'smallint', 'int', 'real', 'double', 'varchar']);

export function wrapUdf(
  name: string,
  fn: (...args: never[]) => unknown,
  signature: FunctionSignature,
  bigint: boolean,
): ResolvedUdf {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new LaminarError('INVALID_ARGUMENT', `registerFunction: invalid function name ${JSON.stringify(name)}`);
  }
  if (typeof fn !== 'function') {
    throw new LaminarError('INVALID_ARGUMENT', `registerFunction("${name}"): expected a function, got ${typeof fn}`);
  }
  if (!signature || !Array.isArray(signature.args) || signature.returns === undefined) {
    throw new LaminarError('INVALID_ARGUMENT', `registerFunction("${name}"): expected a signature { args: [...], returns }`);
  }
  const args = signature.args.map((a, i) => toDataType(a, `registerFunction("${name}") argument ${i + 1}`));
  const returns = toDataType(signature.returns, `registerFunction("${name}") result`);
  const user = fn as (...a: unknown[]) => unknown;
  const argConverters = args.map((t) =>
    SAME_IN_JS.has(t.id) || (t.id === 'bigint' && !bigint) ? undefined : (v: Value) => (v === null ? null : toExternal(v, t, { bigint })),
  );
  const needsArgConversion = argConverters.some((c) => c !== undefined);
  const convertResult = (v: unknown): Value => {
    if (v === null || v === undefined) return null;
    try {
      return toInternal(v, returns, `result of ${name}()`);
    } catch (error) {
      throw new ExecutionError('UDF_ERROR', `function ${name} returned an invalid value: ${(error as Error).message ?? error}`, {
        cause: error,
      });
    }
  };
  const call = (a: unknown[]): Value => {
    let result: unknown;
    try {
      result = user(...a);
    } catch (error) {
      throw new ExecutionError('UDF_ERROR', `function ${name} threw: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    return convertResult(result);
  };
  const wrapped = needsArgConversion
    ? (...a: Value[]) => {
        const external: unknown[] = new Array(a.length);
        for (let i = 0; i < a.length; i++) {
          const c = argConverters[i];
          external[i] = c ? c(a[i]!) : a[i];
        }
        return call(external);
      }
    : (...a: Value[]) => call(a);
  return { fn: wrapped, sig: { args, returns } };
}

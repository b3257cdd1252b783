// How scalar functions and operators are declared: a name, parameter patterns, a return type
// and an implementation. Family files (math.ts, string.ts …) export lists of these; the registry
// resolves calls against them and the expression compiler emits code from them.
import type { DataType, TypeId } from '../types/datatype.js';
import type { Value } from '../types/value.js';

/**
 * A parameter pattern: a concrete type id, 'any' (accepted as is), 'T' (polymorphic: all 'T'
 * arguments meet at their common supertype) or 'T[]' (an array whose element is T).
 */
export type Param = TypeId | 'any' | 'T' | 'T[]';

export type ReturnSpec = DataType | 'T' | 'T[]' | ((args: DataType[]) => DataType);

/** Calls the implementation with evaluated argument values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ImplFn = (...args: any[]) => Value;

export interface ScalarImpl {
  fn: ImplFn;
  /**
   * A JavaScript expression over argument variable names, for the compiler to inline instead of
   * calling `fn` (only for strict, cheap operations on primitive values). `h` names the helpers
   * object (lib/exec/expr/helpers.ts) the generated code can use.
   */
  inline?: (args: string[]) => string;
  /** NULL in any argument gives NULL without calling (true unless declared otherwise). */
  strict: boolean;
  /** result may differ between calls with the same arguments (random, now) */
  volatile: boolean;
  /**
   * Specialise for constant arguments at compile time (e.g. precompile a LIKE pattern): receives
   * the constant values (undefined where an argument is not constant) and returns a faster fn.
   */
  specialize?: (constants: (Value | undefined)[], argTypes: DataType[]) => ImplFn | undefined;
  /** the caller's argument types are passed as one extra, last argument */
  wantsTypes?: boolean;
}

export interface Signature {
  name: string;
  params: Param[];
  /** repeated parameter pattern after `params` (coalesce, concat …) */
  variadic?: Param;
  /** minimum number of variadic arguments */
  minVariadic?: number;
  returns: ReturnSpec;
  impl: ScalarImpl;
}

export interface DefineOptions {
  variadic?: Param;
  minVariadic?: number;
  strict?: boolean;
  volatile?: boolean;
  inline?: (args: string[]) => string;
  specialize?: ScalarImpl['specialize'];
  wantsTypes?: boolean;
}

/** Declare one signature for one or more names (aliases share the implementation). */
export function define(names: string | string[], params: Param[], returns: ReturnSpec, fn: ImplFn, opts: DefineOptions = {}): Signature[] {
  const impl: ScalarImpl = {
    fn,
    inline: opts.inline,
    strict: opts.strict ?? true,
    volatile: opts.volatile ?? false,
    specialize: opts.specialize,
    wantsTypes: opts.wantsTypes,
  };
  return (Array.isArray(names) ? names : [names]).map((name) => ({
    name,
    params,
    variadic: opts.variadic,
    minVariadic: opts.minVariadic,
    returns,
    impl,
  }));
}

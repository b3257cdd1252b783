// JavaScript user-defined functions. The engine owns one UdfRegistry; the binder resolves
// BoundUdfCall signatures from it and the compiler calls the registered function. A UDF receives
// internal values (NULL as null: UDFs are called on NULL input, like PostgreSQL's default
// CALLED ON NULL INPUT) and returns one; `undefined` counts as NULL. A throw becomes
// ExecutionError UDF_ERROR naming the function.
import { CatalogError, ExecutionError, SqlTypeError } from '../../errors.js';
import type { DataType } from '../../types/datatype.js';
import type { Value } from '../../types/value.js';

export type UdfFn = (...args: Value[]) => Value | undefined;

export interface UdfDefinition {
  name: string;
  fn: UdfFn;
  argTypes: DataType[];
  returnType: DataType;
}

export class UdfRegistry {
  private readonly defs = new Map<string, UdfDefinition>();

  /** Register (or replace) a function; names are case-insensitive like SQL identifiers. */
  register(name: string, fn: UdfFn, argTypes: DataType[], returnType: DataType): void {
    if (typeof fn !== 'function') {
      throw new ExecutionError('INVALID_ARGUMENT', `registerFunction(${name}): the implementation must be a function`);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ExecutionError('INVALID_ARGUMENT', `registerFunction: "${name}" is not a valid function name`);
    }
    const key = name.toLowerCase();
    this.defs.set(key, { name: key, fn, argTypes: [...argTypes], returnType });
  }

  /** Same as register (the spelling the engine's registerFunction documents). */
  registerUdf(name: string, fn: UdfFn, argTypes: DataType[], returnType: DataType): void {
    this.register(name, fn, argTypes, returnType);
  }

  unregister(name: string): boolean {
    return this.defs.delete(name.toLowerCase());
  }

  get(name: string): UdfDefinition | undefined {
    return this.defs.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.defs.has(name.toLowerCase());
  }

  /** The definition, or CatalogError UNKNOWN_OBJECT when none is registered under `name`. */
  require(name: string): UdfDefinition {
    const d = this.get(name);
    if (!d) throw new CatalogError('UNKNOWN_OBJECT', `function ${name} is not registered`);
    return d;
  }

  /** Check a call's argument count for the binder (types are cast to argTypes by the binder). */
  checkArity(name: string, argCount: number): UdfDefinition {
    const d = this.require(name);
    if (d.argTypes.length !== argCount) {
      throw new SqlTypeError('TYPE_MISMATCH', `function ${d.name} takes ${d.argTypes.length} argument(s), ${argCount} given`);
    }
    return d;
  }

  names(): string[] {
    return [...this.defs.keys()];
  }
}

/** Wrap a UDF so errors carry UDF_ERROR and the function's name; undefined → null. */
export function guardUdf(def: UdfDefinition): (...args: Value[]) => Value {
  const { fn, name } = def;
  return (...args: Value[]) => {
    let r: Value | undefined;
    try {
      r = fn(...args);
    } catch (e) {
      throw new ExecutionError('UDF_ERROR', `function ${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return r === undefined ? null : r;
  };
}

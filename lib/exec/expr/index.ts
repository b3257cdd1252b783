// The expression compiler's exports (see compile.ts).
export {
  compileScalar,
  compileProjection,
  compileFilter,
  compileSelectInto,
  compileMask,
  compileFilterProject,
  applySelection,
  gather,
  evaluateConstant,
  type CompileOptions,
  type ScalarFn,
  type ProjectionFn,
  type FilterFn,
  type SelectIntoFn,
} from './compile.js';
export { UdfRegistry, guardUdf, type UdfDefinition, type UdfFn } from './udf.js';

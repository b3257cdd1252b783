// Exact decimal numbers: an unscaled bigint and a scale (value = unscaled / 10^scale).
// Owned by the expressions/types work: arithmetic, comparison, parsing and formatting live here.
export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}
}

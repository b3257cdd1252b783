// SQL intervals, kept like PostgreSQL: months, days and microseconds are separate fields because
// a month and a day have no fixed length.
export class Interval {
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: number,
  ) {}
}

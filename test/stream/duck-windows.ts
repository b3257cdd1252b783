// Rewrites window TVF calls in SQL into DuckDB subqueries with explicit window arithmetic over
// epoch milliseconds, so DuckDB can serve as the oracle for streaming SQL (TUMBLE/HOP/CUMULATE
// aligned to the epoch; SESSION per the given partition columns, touching sessions merging).

const TVF = /\b(TUMBLE|HOP|CUMULATE|SESSION)\s*\(\s*(\w+)\s*,\s*(\w+)\s*,\s*INTERVAL\s+'(\d+)'\s+SECONDS?\s*(?:,\s*INTERVAL\s+'(\d+)'\s+SECONDS?\s*)?\)(\s+AS\s+\w+)?/gi;

export function rewriteWindowTvfs(sql: string, sessionPartition: Record<string, string[]> = {}): string {
  return sql.replace(TVF, (_m, fn: string, rel: string, col: string, a: string, b: string | undefined, alias: string | undefined) => {
    const ms = `epoch_ms(${col})`;
    const ts = (x: string) => `make_timestamp((${x}) * 1000)`;
    const floor = (x: string, m: number) => `(${x} - (((${x}) % ${m}) + ${m}) % ${m})`;
    let body: string;
    switch (fn.toUpperCase()) {
      case 'TUMBLE': {
        const size = Number(a) * 1000;
        body = `SELECT * EXCLUDE (__ws), ${ts('__ws')} AS window_start, ${ts(`__ws + ${size}`)} AS window_end FROM (SELECT *, ${floor(ms, size)} AS __ws FROM ${rel}) __t`;
        break;
      }
      case 'HOP': {
        const slide = Number(a) * 1000;
        const size = Number(b) * 1000;
        const n = Math.ceil(size / slide);
        body = `SELECT * EXCLUDE (__ws, __i), ${ts('__ws')} AS window_start, ${ts(`__ws + ${size}`)} AS window_end FROM (SELECT *, ${floor(ms, slide)} - __i * ${slide} AS __ws FROM ${rel}, range(0, ${n}) __r(__i)) __t WHERE ${ms} < __ws + ${size}`;
        break;
      }
      case 'CUMULATE': {
        const step = Number(a) * 1000;
        const size = Number(b) * 1000;
        body = `SELECT * EXCLUDE (__ws, __we, __j), ${ts('__ws')} AS window_start, ${ts('__we')} AS window_end FROM (SELECT *, ${floor(ms, size)} AS __ws, ${floor(ms, size)} + __j * ${step} AS __we FROM ${rel}, range(1, ${size / step + 1}) __r(__j)) __t WHERE ${ms} < __we`;
        break;
      }
      default: {
        const gap = Number(a) * 1000;
        const part = (sessionPartition[rel] ?? []).join(', ');
        const by = part ? `PARTITION BY ${part}, __sid` : 'PARTITION BY __sid';
        const byKey = part ? `PARTITION BY ${part}` : '';
        body = `SELECT * EXCLUDE (__brk, __sid), ${ts(`min(${ms}) OVER (${by})`)} AS window_start, ${ts(`max(${ms}) OVER (${by}) + ${gap}`)} AS window_end FROM (
          SELECT *, sum(__brk) OVER (${byKey} ORDER BY ${col} ROWS UNBOUNDED PRECEDING) AS __sid FROM (
            SELECT *, CASE WHEN ${ms} - lag(${ms}) OVER (${byKey} ORDER BY ${col}) <= ${gap} THEN 0 ELSE 1 END AS __brk FROM ${rel}) __a) __b`;
      }
    }
    return `(${body})${alias ?? ` AS ${rel}`}`;
  });
}

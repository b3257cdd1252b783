// The Nexmark bench chart: one row per query on a log scale of events/s — the engine's rate as
// a bar (green when it meets the issue-7 target, red when it misses), the target as a black tick,
// the hand-written floor and RxJS as thin bars under it. Plain SVG text, no dependencies.

export interface ChartQuery {
  query: string;
  eventsPerSec: number;
  target?: number;
  floor?: number;
  rxjs?: number;
  error?: string;
}

const ROW = 34;
const LEFT = 70;
const WIDTH = 760;
const TOP = 46;
const MIN_EXP = 4; // 10 K events/s
const MAX_EXP = 9; // 1 G events/s

function x(rate: number): number {
  const e = Math.log10(Math.max(rate, 10 ** MIN_EXP));
  return LEFT + ((Math.min(e, MAX_EXP) - MIN_EXP) / (MAX_EXP - MIN_EXP)) * WIDTH;
}

function label(n: number): string {
  if (n >= 1e9) return `${n / 1e9} G`;
  if (n >= 1e6) return `${n / 1e6} M`;
  return `${n / 1e3} K`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An SVG chart of the queries' rates against their targets, floor and RxJS. */
export function nexmarkChart(title: string, queries: readonly ChartQuery[]): string {
  const height = TOP + queries.length * ROW + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + 150}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`);
  out.push(
    `<text x="${LEFT}" y="34" fill="#555">events/s per core, log scale · bar: engine (green ≥ target, red below, grey: no target) · black tick: target · blue: hand-written floor (same work as the view) · orange: RxJS</text>`,
  );
  for (let e = MIN_EXP; e <= MAX_EXP; e++) {
    const gx = x(10 ** e).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${height - 14}" text-anchor="middle" fill="#555">${label(10 ** e)}</text>`);
  }
  queries.forEach((q, k) => {
    const y = TOP + k * ROW;
    out.push(`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end">${esc(q.query)}</text>`);
    if (q.error !== undefined) {
      out.push(`<text x="${LEFT + 4}" y="${y + 15}" fill="#b00">failed: ${esc(q.error.slice(0, 80))}</text>`);
      return;
    }
    const colour = q.target === undefined ? '#999' : q.eventsPerSec >= q.target ? '#2a9d4b' : '#d43c3c';
    out.push(`<rect x="${LEFT}" y="${y + 4}" width="${(x(q.eventsPerSec) - LEFT).toFixed(1)}" height="14" fill="${colour}"><title>${esc(q.query)}: ${Math.round(q.eventsPerSec)} events/s</title></rect>`);
    out.push(`<text x="${(x(q.eventsPerSec) + 4).toFixed(1)}" y="${y + 15}" fill="#333">${(q.eventsPerSec / 1e6).toFixed(2)} M</text>`);
    if (q.floor !== undefined) out.push(`<rect x="${LEFT}" y="${y + 20}" width="${(x(q.floor) - LEFT).toFixed(1)}" height="4" fill="#3a6fd8"><title>floor: ${Math.round(q.floor)} events/s</title></rect>`);
    if (q.rxjs !== undefined) out.push(`<rect x="${LEFT}" y="${y + 26}" width="${(x(q.rxjs) - LEFT).toFixed(1)}" height="4" fill="#f08c00"><title>RxJS: ${Math.round(q.rxjs)} events/s</title></rect>`);
    if (q.target !== undefined) {
      const tx = x(q.target).toFixed(1);
      out.push(`<line x1="${tx}" y1="${y + 1}" x2="${tx}" y2="${y + 21}" stroke="black" stroke-width="2"><title>target: ${Math.round(q.target)} events/s</title></line>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

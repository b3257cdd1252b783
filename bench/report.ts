// Shared output of every benchmark: a readable table on stdout and JSON under bench/results/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** what the same work costs done the way a user would otherwise do it, or by a hand-written floor */
  baseline?: string;
  baselineValue?: number;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)} K`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

export function printTable(title: string, rows: BenchRow[]): void {
  const lines = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${r.baseline}: ${fmt(r.baselineValue ?? NaN)} ${r.unit}` : '',
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...lines.map((l) => l[c].length), 4));
  console.log(`\n${title}`);
  for (const l of lines) console.log(`  ${l[0].padEnd(widths[0])}  ${l[1].padStart(widths[1])}  ${l[2]}`);
}

/** Writes bench/results/<file> as { meta, rows, ...extra }; meta includes the load average. */
export function writeResults(file: string, rows: BenchRow[], extra: Record<string, unknown> = {}): string {
  const out = path.join(__dirname, 'results', file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg() };
  fs.writeFileSync(out, JSON.stringify({ meta, rows, ...extra }, null, 2));
  return out;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';
import { open, type OpenOptions } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';

/** A fresh database directory removed after the test. */
export function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-storage-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a durable database with small WAL segments; warnings are collected, not printed. */
export async function openDurable(dir: string, options: OpenOptions = {}): Promise<{ db: Database; warnings: string[] }> {
  const warnings: string[] = [];
  const db = await open({ path: dir, walSegmentBytes: 1 << 20, onWarning: (m: string) => warnings.push(m), ...options });
  return { db, warnings };
}

// The `file` sink: a view's changes as JSON lines ({"op","row","old"?}) appended to one file,
// exactly once through the epoch protocol (lib/storage/sink-protocol.ts):
// - write(e): lines are buffered, spilled to `.<name>.<e>.staging` beside the target when large;
// - preCommit(e): every staged epoch up to e is written and fsync'd; the handle names those files,
//   the target's committed size before them (`base`) and their total size (`bytes`);
// - commit(handle): if the target is already `base + bytes` long the epoch is in (idempotent);
//   otherwise it is cut back to `base`, the staged files are appended in order, fsync'd, deleted;
// - recover(record): commit the MANIFEST's handle again, delete every other staging file.
// The sink owns the target file: anything else appending to it breaks the size check.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../../errors.js';
import type { EngineChange } from '../../engine/types.js';
import type { ExactlyOnceSink, SinkCommitRecord } from '../../storage/sink-protocol.js';

export interface FileSinkHandle {
  files: string[];
  base: number;
  bytes: number;
}

interface Staged {
  epoch: number;
  file: string;
  bytes: number;
}

/** Spill buffered lines to the staging file once they exceed this. */
const SPILL_BYTES = 1 << 20;

export class FileSink implements ExactlyOnceSink {
  private staged: Staged[] = [];
  private buffer: string[] = [];
  private bufferBytes = 0;
  private bufferEpoch = -1;
  /** the target's size after the last commit */
  private committedSize = 0;

  constructor(
    readonly name: string,
    /** absolute path of the target file */
    readonly target: string,
    private readonly format: (change: EngineChange) => string,
  ) {}

  write(epoch: number, changes: readonly EngineChange[]): void {
    if (epoch !== this.bufferEpoch) this.spill();
    this.bufferEpoch = epoch;
    for (let i = 0; i < changes.length; i++) {
      const line = this.format(changes[i]!) + '\n';
      this.buffer.push(line);
      this.bufferBytes += line.length;
    }
    if (this.bufferBytes >= SPILL_BYTES) this.spill();
  }

  preCommit(epoch: number): FileSinkHandle | null {
    if (this.bufferEpoch <= epoch) this.spill();
    const due = this.staged.filter((s) => s.epoch <= epoch);
    if (due.length === 0) return null;
    for (const s of due) fsyncFile(s.file);
    fsyncDirOf(this.target);
    return { files: due.map((s) => s.file), base: this.committedSize, bytes: due.reduce((n, s) => n + s.bytes, 0) };
  }

  commit(_epoch: number, handle: unknown): void {
    if (handle === null || handle === undefined) return;
    const h = checkHandle(this.name, handle);
    commitFiles(this.name, this.target, h);
    const done = new Set(h.files);
    this.staged = this.staged.filter((s) => !done.has(s.file));
    this.committedSize = h.base + h.bytes;
  }

  abort(_epoch: number, handle: unknown): void {
    if (handle === null || handle === undefined) return;
    for (const f of checkHandle(this.name, handle).files) fs.rmSync(f, { force: true });
  }

  recover(record: SinkCommitRecord | undefined): void {
    if (record !== undefined && record.handle !== null && record.handle !== undefined) {
      commitFiles(this.name, this.target, checkHandle(this.name, record.handle));
    }
    // staged epochs no MANIFEST names: replay recomputes their changes
    const dir = path.dirname(this.target);
    const prefix = path.basename(stagingPrefix(this.target));
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      // the directory does not exist yet: created at the first spill
    }
    for (const n of names) if (n.startsWith(prefix) && n.endsWith('.staging')) fs.rmSync(path.join(dir, n), { force: true });
    this.staged = [];
    this.committedSize = sizeOf(this.target);
  }

  /** true when changes are buffered or staged but not committed */
  get pending(): boolean {
    return this.buffer.length > 0 || this.staged.length > 0;
  }

  close(): void {
    this.buffer = [];
    this.bufferBytes = 0;
  }

  /** DROP SINK: what was staged and not committed is discarded with it. */
  discard(): void {
    this.close();
    for (const st of this.staged) fs.rmSync(st.file, { force: true });
    this.staged = [];
  }

  private spill(): void {
    if (this.buffer.length === 0) return;
    const epoch = this.bufferEpoch;
    let s = this.staged.find((x) => x.epoch === epoch);
    if (s === undefined) {
      s = { epoch, file: `${stagingPrefix(this.target)}${epoch}.staging`, bytes: 0 };
      this.staged.push(s);
    }
    const data = Buffer.from(this.buffer.join(''), 'utf8');
    try {
      fs.mkdirSync(path.dirname(this.target), { recursive: true });
      // a fresh epoch file: leftovers of a crashed run were removed by recover()
      fs.appendFileSync(s.file, data);
    } catch (error) {
      throw ioError(`sink "${this.name}" cannot stage ${s.file}`, error);
    }
    s.bytes += data.byteLength;
    this.buffer = [];
    this.bufferBytes = 0;
  }
}

function stagingPrefix(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.`);
}

function checkHandle(sink: string, handle: unknown): FileSinkHandle {
  const h = handle as Partial<FileSinkHandle>;
  if (!Array.isArray(h.files) || !Number.isSafeInteger(h.base) || !Number.isSafeInteger(h.bytes)) {
    throw new StorageError('CORRUPTION', `sink "${sink}": the MANIFEST's commit handle is malformed: ${JSON.stringify(handle)}`);
  }
  return h as FileSinkHandle;
}

/** Idempotent: the target ends up exactly `base` bytes of earlier output + the staged files. */
function commitFiles(sink: string, target: string, h: FileSinkHandle): void {
  const size = sizeOf(target);
  if (size === h.base + h.bytes) {
    for (const f of h.files) fs.rmSync(f, { force: true });
    return;
  }
  if (size < h.base) {
    throw new StorageError('CORRUPTION', `sink "${sink}": ${target} is ${size} bytes but ${h.base} were committed before; the file was truncated or replaced outside the database`);
  }
  const missing = h.files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new StorageError('CORRUPTION', `sink "${sink}": ${target} is ${size} bytes, not the committed ${h.base + h.bytes}, and the staged ${missing.join(', ')} is gone: the file was changed outside the database`);
  }
  try {
    const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
    try {
      fs.ftruncateSync(fd, h.base);
      let at = h.base;
      for (const f of h.files) {
        const data = fs.readFileSync(f);
        let off = 0;
        while (off < data.byteLength) off += fs.writeSync(fd, data, off, data.byteLength - off, at + off);
        at += data.byteLength;
      }
      if (at !== h.base + h.bytes) {
        throw new StorageError('CORRUPTION', `sink "${sink}": staged files hold ${at - h.base} bytes, the handle says ${h.bytes}`);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDirOf(target);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw ioError(`sink "${sink}" cannot commit to ${target}`, error);
  }
  for (const f of h.files) fs.rmSync(f, { force: true });
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw ioError(`cannot stat ${file}`, error);
  }
}

function fsyncFile(file: string): void {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw ioError(`cannot sync ${file}`, error);
  }
}

function fsyncDirOf(file: string): void {
  try {
    const fd = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw ioError(`cannot sync the directory of ${file}`, error);
  }
}

function ioError(what: string, error: unknown): StorageError {
  const code = (error as NodeJS.ErrnoException).code;
  return new StorageError(code === 'ENOSPC' ? 'DISK_FULL' : 'IO_ERROR', `${what}: ${(error as Error).message}`, { cause: error });
}

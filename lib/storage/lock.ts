// One process per database directory: a LOCK file created with O_EXCL holding the owner's pid.
// A lock left by a process that no longer exists (killed, crashed) is taken over; a live owner
// (another process, or this one through a second open()) gets StorageError DATABASE_LOCKED.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors.js';

export const LOCK_FILE = 'LOCK';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories this process holds (a second open() in the same process must fail too). */
const heldHere = new Set<string>();

export class DirectoryLock {
  private released = false;

  private constructor(readonly file: string, private readonly dir: string) {}

  static acquire(dir: string): DirectoryLock {
    const file = path.join(dir, LOCK_FILE);
    if (heldHere.has(dir)) throw locked(dir, process.pid);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', 0o644);
        try {
          fs.writeSync(fd, `${process.pid}\n`);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        heldHere.add(dir);
        return new DirectoryLock(file, dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new StorageError('IO_ERROR', `cannot create the lock file ${file}: ${(error as Error).message}`, { cause: error });
        }
      }
      const owner = readOwner(file);
      if (owner !== null && owner !== process.pid && processAlive(owner)) throw locked(dir, owner);
      if (owner === process.pid) throw locked(dir, owner);
      // stale: its owner is gone (or the file is empty from a crash during creation)
      try {
        fs.unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new StorageError('IO_ERROR', `cannot remove the stale lock file ${file}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
    throw new StorageError('DATABASE_LOCKED', `cannot lock the database directory ${dir}: another process keeps taking the lock`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.dir);
    try {
      if (readOwner(this.file) === process.pid) fs.unlinkSync(this.file);
    } catch {
      // already gone: nothing to release
    }
  }
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function locked(dir: string, pid: number): StorageError {
  const who = pid === process.pid ? 'this process already has it open' : `process ${pid} has it open`;
  return new StorageError('DATABASE_LOCKED', `the database ${dir} is locked: ${who} (close it first; only one process may open a database directory at a time)`);
}

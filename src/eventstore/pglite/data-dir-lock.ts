// One process per embedded data directory: a lock file naming its holder, taken over only when the holder is dead.
import { hostname } from 'node:os';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface LockHolder {
  pid: number;
  command: string;
  hostname: string;
  started_at: string;
}

export class DataDirLockedError extends Error {
  readonly code = 'store_locked';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded store in ${dataDir} is in use by process ${holder.pid} (${holder.command}, started ${holder.started_at} on ${holder.hostname}). ` +
        'Stop that process first, or point THREADLINE_DATA_DIR elsewhere, or use DATABASE_URL.',
    );
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readHolder = (file: string): LockHolder | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
};

/** Takes the lock or throws DataDirLockedError; returns the release function. */
export const lockDataDir = (dataDir: string, command: string): (() => void) => {
  const file = join(dataDir, 'threadline.lock');
  const me: LockHolder = { pid: process.pid, command, hostname: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return () => {
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      // A holder on another host cannot be checked; treat it as alive rather than risk two writers.
      if (holder && (holder.hostname !== me.hostname || isAlive(holder.pid))) throw new DataDirLockedError(dataDir, holder);
      try {
        unlinkSync(file);
      } catch {
        // another process removed the stale lock first; try again
      }
    }
  }
  const holder = readHolder(file);
  throw holder ? new DataDirLockedError(dataDir, holder) : new Error(`Cannot lock ${dataDir}`);
};

// One process per embedded data directory: a lock file naming its holder, taken over only when the holder is dead.
import { hostname } from 'node:os';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** How often the holder touches its lock file. */
export const LOCK_HEARTBEAT_MS = 10_000;
/**
 * A holder on another host (a container that was replaced, the same volume mounted elsewhere) cannot be asked
 * whether it lives; a lock it has not touched for this long is taken to be left behind.
 */
export const LOCK_STALE_AFTER_MS = 60_000;

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
        'Stop that process first, or point THREADLINE_DATA_DIR elsewhere, or use DATABASE_URL. ' +
        `If that process is gone, delete ${join(dataDir, 'threadline.lock')}; a lock from another host is taken over by itself once it is ${LOCK_STALE_AFTER_MS / 1000} s old.`,
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

const ageMs = (file: string): number => {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

/** Takes the lock or throws DataDirLockedError; returns the release function. The holder touches the file while it runs. */
export const lockDataDir = (dataDir: string, command: string, options: { staleAfterMs?: number } = {}): (() => void) => {
  const staleAfter = options.staleAfterMs ?? LOCK_STALE_AFTER_MS;
  const file = join(dataDir, 'threadline.lock');
  const me: LockHolder = { pid: process.pid, command, hostname: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      const heartbeat = setInterval(() => {
        try {
          utimesSync(file, new Date(), new Date());
        } catch {
          // the file went away (removed by hand); the next start takes a fresh one
        }
      }, LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      return () => {
        clearInterval(heartbeat);
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      // A holder on another host cannot be checked: alive while it keeps touching the file.
      const alive = holder && (holder.hostname === me.hostname ? isAlive(holder.pid) : ageMs(file) < staleAfter);
      if (holder && alive) throw new DataDirLockedError(dataDir, holder);
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

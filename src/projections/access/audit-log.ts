// The audit trail's writer: records wait in memory and are written in batches, one transaction each, so that
// auditing costs a request nothing but an array push. Several processes on one PostgreSQL keep one chain.
import { sql, type Kysely } from 'kysely';
import type { AuditEntry } from '../../domain/access/index.ts';
import { GENESIS_HASH, normalizeEntry, seal, toRow } from './audit-chain.ts';
import type { AuditTables } from './audit-schema.ts';

export interface AuditWriterOptions {
  /** How long a record waits before its batch is written (THREADLINE_AUDIT_FLUSH). */
  flushMs: number;
  /** Records per transaction; a full batch is written at once. Default 500. */
  maxBatch?: number;
  /** Records kept in memory while the database is away; beyond it new records are dropped (and logged). */
  maxBuffered?: number;
  logger?: { error(obj: object, msg: string): void };
}

export interface AuditWriter {
  /** Never throws, never waits: the record is buffered. */
  record(entry: AuditEntry): void;
  /** Writes everything buffered now; a failure is logged and the records kept for the next try. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

/** 16 columns a row: PostgreSQL takes at most 65,535 parameters a statement. */
const MAX_BATCH = 4000;
/** Retries back off to this, so that a database away for minutes is not asked ten times a second. */
const MAX_RETRY_MS = 5000;

/**
 * Appends entries after the chain's last record in one transaction: the advisory lock makes the read of the last
 * record and the insert after it one step across every process on the database (seq is the primary key as well,
 * so that a writer without the lock could not fork the chain either).
 */
export const appendAuditBatch = async (db: Kysely<unknown>, entries: readonly AuditEntry[]): Promise<void> => {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('threadline-audit'))`.execute(trx);
    const audit = trx.withTables<AuditTables>();
    const last = await audit.selectFrom('threadline_audit').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prev = last?.hash ?? GENESIS_HASH;
    const rows = entries.map((e) => {
      const sealed = seal(e, ++seq, prev);
      prev = sealed.hash;
      return toRow(sealed);
    });
    await audit.insertInto('threadline_audit').values(rows).execute();
  });
};

export const createAuditWriter = (db: Kysely<unknown>, options: AuditWriterOptions): AuditWriter => {
  const maxBatch = Math.min(Math.max(1, options.maxBatch ?? 500), MAX_BATCH);
  const maxBuffered = options.maxBuffered ?? 100_000;
  const logger = options.logger;
  // Records are only ever pushed at the end and taken from the front by the one drain running, so a batch that
  // failed is still the front of the buffer when it is tried again.
  const buffer: AuditEntry[] = [];
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let failures = 0;
  let dropped = 0;
  let closed = false;

  const schedule = (delayMs: number) => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain();
    }, delayMs);
    // A pending audit flush must not keep a finished process alive; close() writes what is left.
    timer.unref();
  };

  const writeBatch = async (): Promise<boolean> => {
    const batch = buffer.slice(0, maxBatch);
    try {
      await appendAuditBatch(db, batch);
      buffer.splice(0, batch.length);
      failures = 0;
      return true;
    } catch (error) {
      failures++;
      logger?.error({ err: error, buffered: buffer.length, attempt: failures }, 'audit records not written; kept for the next flush');
      return false;
    } finally {
      if (dropped > 0) {
        logger?.error({ dropped, maxBuffered }, 'audit records dropped: the buffer was full while the database was away');
        dropped = 0;
      }
    }
  };

  /** Writes batch after batch until the buffer is empty or a write fails; one drain at a time. */
  const drain = (): Promise<void> => {
    // `.then` runs after the assignment even when there is nothing to write, so `running` never stays set.
    running ??= Promise.resolve()
      .then(async () => {
        while (buffer.length > 0 && (await writeBatch()));
      })
      .catch((error: unknown) => logger?.error({ err: error }, 'audit flush failed'))
      .then(() => {
        running = null;
        if (buffer.length > 0) schedule(Math.min(options.flushMs * 2 ** failures, MAX_RETRY_MS));
      });
    return running;
  };

  const flush = async () => {
    // A drain under way may have taken its batch before the latest records came: wait for it, then drain again.
    if (running) await running;
    await drain();
  };

  return {
    record(entry) {
      try {
        if (closed) {
          logger?.error({ action: entry.action }, 'audit record after the writer closed: dropped');
          return;
        }
        if (buffer.length >= maxBuffered) {
          dropped++;
          return;
        }
        buffer.push(normalizeEntry(entry));
        // A full batch goes at once, unless writes are failing: then the backed-off retry takes it.
        if (buffer.length >= maxBatch && failures === 0) void drain();
        else schedule(options.flushMs);
      } catch (error) {
        // A malformed entry is a defect of its caller; it must not fail the request that is being audited.
        logger?.error({ err: error }, 'audit record refused');
      }
    },
    flush,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await flush();
      if (buffer.length > 0) logger?.error({ lost: buffer.length }, 'audit records lost: the database refused them at shutdown');
    },
  };
};

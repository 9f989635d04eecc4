// The one reader of the live outbox per app: it reads the envelopes after the newest it has handed out and offers
// each to every connected client, so that a client costs a filter check, not a query. A joining client first
// catches up from its own cursor with queries of its own, then joins the shared reader where it stands.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { compareCursors, latestCursor, readEnvelopes, type EnvelopeCursor } from '../../projections/live/index.ts';
import type { SseClient } from './sse-client.ts';

export interface FanoutDeps {
  db: Kysely<unknown>;
  /** Told after every batch the live-outbox projection applied in this process; returns the unsubscribe. */
  onApplied(listener: () => void): () => void;
  logger: Logger;
  /** True while the process shuts down: every stream is ended so that the server can close. */
  stopping(): boolean;
}

export interface FanoutOptions {
  /** How often the outbox is read for other processes' writes (this process's wake the reader at once). */
  pollMs: number;
  heartbeatMs: number;
  pageSize: number;
}

export interface EnvelopeFanout {
  /** Registers a client and, in the background, catches it up from its cursor; then it is handed every new envelope. */
  add(client: SseClient): void;
  size(): number;
}

export const createEnvelopeFanout = (deps: FanoutDeps, options: FanoutOptions): EnvelopeFanout => {
  const clients = new Set<SseClient>();
  /** Every live client has been offered every envelope up to here; null while nobody listens. */
  let cursor: EnvelopeCursor | null = null;
  let starting: Promise<void> | null = null;
  /** Bumped on every stop, so that a read begun before it cannot move a later start's cursor. */
  let generation = 0;
  let reading = false;
  let again = false;
  let timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => {};

  const read = async () => {
    reading = true;
    try {
      do {
        again = false;
        const gen = generation;
        if (cursor === null) break;
        const page = await readEnvelopes(deps.db, cursor, options.pageSize);
        if (gen !== generation || cursor === null) break;
        // Synchronous from here to the cursor's update: a joining client never sees the two disagree.
        for (const e of page) for (const c of clients) if (c.live) c.offer(e);
        if (page.length > 0) cursor = page.at(-1)!.cursor;
        if (page.length === options.pageSize) again = true;
      } while (again);
    } catch (error) {
      // The next wake or poll retries; the clients keep their streams.
      deps.logger.warn({ err: error }, 'live stream: reading the outbox failed');
    } finally {
      reading = false;
    }
  };
  const wake = () => {
    if (reading) again = true;
    else void read();
  };
  const tick = () => {
    if (deps.stopping()) for (const c of clients) c.end();
    else wake();
  };

  const stop = () => {
    generation++;
    cursor = null;
    starting = null;
    for (const t of timers) clearInterval(t);
    timers = [];
    unsubscribe();
    unsubscribe = () => {};
  };
  const start = (): Promise<void> => {
    starting ??= (async () => {
      try {
        const at = await latestCursor(deps.db);
        cursor = at;
        unsubscribe = deps.onApplied(wake);
        timers = [setInterval(tick, options.pollMs).unref(), setInterval(() => clients.forEach((c) => c.ping()), options.heartbeatMs).unref()];
        // The only client may have left while this started; else someone may have written since latestCursor.
        if (clients.size === 0) stop();
        else wake();
      } catch (error) {
        starting = null;
        throw error;
      }
    })();
    return starting;
  };
  const remove = (client: SseClient) => {
    clients.delete(client);
    // Nobody listens: no timers, no queries (an app closed with its database stops here too).
    if (clients.size === 0 && cursor !== null) stop();
  };

  /** Reads from the client's own cursor up to the shared reader's, page by page, as fast as the client takes them. */
  const catchUp = async (client: SseClient) => {
    await start();
    if (clients.size === 0 || cursor === null) return;
    for (;;) {
      if (client.closed) return;
      // Everything up to `bound` was committed before this read began, so the read sees all of it.
      const bound: EnvelopeCursor = cursor!;
      if (compareCursors(client.cursor, bound) >= 0) {
        client.live = true;
        return;
      }
      const page = await readEnvelopes(deps.db, client.cursor, options.pageSize, client.filter);
      let reached = page.length < options.pageSize;
      for (const e of page) {
        if (compareCursors(e.cursor, bound) > 0) {
          reached = true;
          break;
        }
        client.offer(e);
      }
      if (reached) client.advanceTo(bound);
      if (!(await client.whenWritable())) return;
    }
  };

  return {
    add(client) {
      clients.add(client);
      client.onClose(() => remove(client));
      catchUp(client).catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'live stream: catching a client up failed; it reconnects and resumes');
        client.end();
      });
    },
    size: () => clients.size,
  };
};

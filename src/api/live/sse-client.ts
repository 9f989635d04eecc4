// One server-sent events client: its filter, the cursor of the last envelope it was handed, and a bounded queue for
// the time its socket is full. A client that falls too far behind is ended; it resumes with Last-Event-ID.
import type { Response } from 'express';
import { compareCursors, cursorText, type EnvelopeCursor, type EnvelopeFilter, type StoredEnvelope } from '../../projections/live/index.ts';

/** Whether an envelope passes a client's filter: the same rules readEnvelopes applies in SQL, checked in memory. */
export const matchesFilter = (f: EnvelopeFilter, e: StoredEnvelope): boolean =>
  (!f.types || f.types.length === 0 || f.types.includes(e.type)) &&
  (!f.guid || f.guid === e.guid) &&
  (!f.kind || f.kind === e.kind) &&
  (!f.dealers || f.dealers === 'all' || (e.dealer_code !== null && f.dealers.includes(e.dealer_code)));

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * One SSE message. The payload is JSON text, which never holds a raw line break (JSON.stringify escapes them in
 * strings and adds none between tokens); were one ever there, each line gets its own `data:` and the receiver's
 * parser joins them with "\n" again, which JSON reads as the whitespace it was.
 */
export const sseMessage = (e: StoredEnvelope): string => {
  const data = LINE_BREAK.test(e.payload) ? e.payload.split(LINE_BREAK).map((l) => `data: ${l}`).join('\n') : `data: ${e.payload}`;
  return `id: ${cursorText(e.cursor)}\nevent: ${e.type}\n${data}\n\n`;
};

/** The shared reader offers one envelope object to every client: it is formatted once, not once per client. */
const formatted = new WeakMap<StoredEnvelope, string>();
const messageOf = (e: StoredEnvelope): string => {
  let m = formatted.get(e);
  if (m === undefined) formatted.set(e, (m = sseMessage(e)));
  return m;
};

export interface SseClient {
  readonly filter: EnvelopeFilter;
  /** The last envelope handed to it (sent or queued), filtered out or not: what it has seen. */
  readonly cursor: EnvelopeCursor;
  /** False while it catches up from its own cursor; then the shared reader hands it every new envelope. */
  live: boolean;
  readonly closed: boolean;
  /** Hands it an envelope: nothing if it has seen it, else written (or queued while the socket is full) if it matches. */
  offer(e: StoredEnvelope): void;
  /** Everything up to here has been offered (a catch-up read that reached the shared reader's cursor). */
  advanceTo(c: EnvelopeCursor): void;
  ping(): void;
  /** Resolves true once nothing is queued, false when the client is gone. */
  whenWritable(): Promise<boolean>;
  end(): void;
  onClose(listener: () => void): void;
}

export interface SseClientOptions {
  filter: EnvelopeFilter;
  from: EnvelopeCursor;
  /** Messages kept for a client whose socket is full; past it, its stream is ended. */
  maxPending: number;
  /** How long an ended stream may take to flush before its socket is destroyed. */
  lingerMs: number;
}

export const createSseClient = (res: Response, options: SseClientOptions): SseClient => {
  let cursor = options.from;
  let closed = false;
  let blocked = false;
  let queue: string[] = [];
  let head = 0;
  let waiters: ((writable: boolean) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  const settle = (writable: boolean) => {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve(writable);
  };
  const write = (text: string) => {
    if (closed) return;
    if (blocked) {
      queue.push(text);
      // Too far behind: stop here; what it missed is in the outbox, and its Last-Event-ID says where it stopped.
      if (queue.length - head > options.maxPending) client.end();
      return;
    }
    if (!res.write(text)) blocked = true;
  };
  res.on('drain', () => {
    blocked = false;
    while (!blocked && head < queue.length) if (!res.write(queue[head++]!)) blocked = true;
    if (head === queue.length) {
      queue = [];
      head = 0;
      if (!blocked) settle(true);
    }
  });
  res.once('close', () => {
    closed = true;
    queue = [];
    settle(false);
    for (const l of closeListeners) l();
  });

  const client: SseClient = {
    filter: options.filter,
    get cursor() {
      return cursor;
    },
    live: false,
    get closed() {
      return closed;
    },
    offer(e) {
      if (compareCursors(e.cursor, cursor) <= 0) return;
      cursor = e.cursor;
      if (matchesFilter(options.filter, e)) write(messageOf(e));
    },
    advanceTo(c) {
      if (compareCursors(c, cursor) > 0) cursor = c;
    },
    ping() {
      // A client with a full socket is not idle: its proxy sees bytes, and a ping would only queue.
      if (!closed && !blocked) write(': ping\n\n');
    },
    whenWritable: () => (closed ? Promise.resolve(false) : !blocked && head === queue.length ? Promise.resolve(true) : new Promise((resolve) => waiters.push(resolve))),
    end() {
      if (closed) return;
      closed = true;
      queue = [];
      settle(false);
      res.end();
      setTimeout(() => res.destroy(), options.lingerMs).unref();
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
  };
  return client;
};

// A small server-sent events client over fetch and its ReadableStream, parsing as the HTML standard says (fields
// id/event/data/retry, comments, CR/LF/CRLF line ends, data lines joined with "\n"), for tests and benchmarks.

export interface SseMessage {
  id: string;
  event: string;
  data: string;
  /** How many `data:` lines it came in. */
  dataLines: number;
  /** When the message was parsed (performance.now()), for benchmarks. */
  at: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The body of a refused request (a problem), else ''. */
  problem: string;
  messages: SseMessage[];
  comments: string[];
  retry: number | null;
  /** Set once the server ended the stream. */
  ended: boolean;
  /** Resolves once `predicate` holds for what was received, or rejects after `timeoutMs`. */
  until(predicate: (s: SseStream) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Resolves once at least n messages have arrived. */
  count(n: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Starts reading a stream opened with `paused` (until then the client takes nothing: its socket fills up). */
  resume(): void;
  close(): void;
}

export const openSse = async (url: string, headers: Record<string, string>, options: { paused?: boolean } = {}): Promise<SseStream> => {
  let resume = () => {};
  const resumed = options.paused ? new Promise<void>((r) => (resume = r)) : Promise.resolve();
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const checks = new Set<() => void>();
  const notify = () => checks.forEach((c) => c());
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    problem: '',
    messages: [],
    comments: [],
    retry: null,
    ended: false,
    until(predicate, timeoutMs = 10_000, what = 'the stream') {
      if (predicate(stream)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          checks.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${stream.messages.length} messages, ended=${stream.ended}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(stream)) return;
          clearTimeout(timer);
          checks.delete(check);
          resolve();
        };
        checks.add(check);
      });
    },
    async count(n, timeoutMs) {
      await stream.until((s) => s.messages.length >= n, timeoutMs, `${n} messages`);
      return stream.messages.slice(0, n);
    },
    resume: () => resume(),
    close: () => abort.abort(),
  };
  if (res.status !== 200 || !res.body) {
    stream.problem = await res.text();
    stream.ended = true;
    return stream;
  }
  const body = res.body.pipeThrough(new TextDecoderStream());
  let buffer = '';
  let id = '';
  let event = '';
  let data: string[] = [];
  const line = (l: string) => {
    if (l === '') {
      if (data.length > 0) stream.messages.push({ id, event: event || 'message', data: data.join('\n'), dataLines: data.length, at: performance.now() });
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) {
      stream.comments.push(l.slice(1).trim());
      return;
    }
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) stream.retry = Number(value);
  };
  void (async () => {
    try {
      await resumed;
      for await (const chunk of body) {
        buffer += chunk;
        // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
        const parts = buffer.split(/\r\n|\r(?!$)|\n/);
        buffer = parts.pop()!;
        for (const p of parts) line(p);
        notify();
      }
    } catch {
      // aborted by close(), or the connection went away
    }
    stream.ended = true;
    notify();
  })();
  return stream;
};

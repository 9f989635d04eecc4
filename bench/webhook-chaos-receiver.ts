// The chaos test's webhook receiver: verifies every request with `standardwebhooks`, fails about half of them (500,
// 503 with Retry-After: 1, or a connection dropped without an answer) and books what it acknowledged per endpoint.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Rng = () => number;

/** The crash bench's seeded PRNG (mulberry32): a fixed seed gives the same failures in the same order of requests. */
export { prng } from './crash-clients.ts';

export interface EndpointBook {
  /** Every webhook-id answered 2xx, with how many times. */
  acked: Map<string, number>;
  requests: number;
  failed: { status500: number; status503: number; dropped: number };
  badSignatures: number;
}

export interface ChaosReceiver {
  url: string;
  /** Endpoint path (`/a`) → its book; the secret is set once the subscription is made. */
  endpoint(path: string, secret: string): EndpointBook;
  close(): Promise<void>;
}

/**
 * At most two failures per message and endpoint, so that the retry schedule's first steps (5 s, or the 1 s a 503
 * asks for) carry every message; a third failure would wait 5 minutes and only make the run longer, not harder.
 */
const MAX_FAILURES_PER_MESSAGE = 2;

export const startChaosReceiver = async (rng: Rng, failRate = 0.5): Promise<ChaosReceiver> => {
  const endpoints = new Map<string, { wh: Webhook; book: EndpointBook; failures: Map<string, number> }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const e = endpoints.get(req.url ?? '');
      if (!e) return void res.writeHead(404).end();
      const body = Buffer.concat(chunks).toString('utf8');
      e.book.requests++;
      try {
        e.wh.verify(body, req.headers as Record<string, string>);
      } catch {
        e.book.badSignatures++;
        return void res.writeHead(400).end('bad signature');
      }
      const id = String(req.headers['webhook-id']);
      const failed = e.failures.get(id) ?? 0;
      // A little latency, so that deliveries are in flight when the server is killed.
      setTimeout(() => {
        if (failed < MAX_FAILURES_PER_MESSAGE && rng() < failRate) {
          e.failures.set(id, failed + 1);
          const pick = failed === 0 ? rng() : 1;
          if (pick < 0.34) {
            e.book.failed.dropped++;
            return void req.socket.destroy();
          }
          if (pick < 0.67) {
            e.book.failed.status500++;
            return void res.writeHead(500).end('chaos');
          }
          e.book.failed.status503++;
          return void res.writeHead(503, { 'retry-after': '1' }).end('busy');
        }
        e.book.acked.set(id, (e.book.acked.get(id) ?? 0) + 1);
        res.writeHead(204).end();
      }, Math.floor(rng() * 20));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    endpoint(path, secret) {
      const book: EndpointBook = { acked: new Map(), requests: 0, failed: { status500: 0, status503: 0, dropped: 0 }, badSignatures: 0 };
      endpoints.set(path, { wh: new Webhook(secret), book, failures: new Map() });
      return book;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
};

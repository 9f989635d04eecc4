// The smallest servers a generate-guid request could be: used by floor-bench.ts to measure what this machine
// allows before any Threadline code runs. One kind per process, on 127.0.0.1:PORT; GET /healthz answers 200.
//   hello   read the JSON body, answer 201 with a small JSON body
//   json    read and parse the JSON body, answer 200 with how many events it held (the HTTP + JSON ceiling of ingest)
//   select  the same, plus one round trip to PostgreSQL carrying the body (`SELECT $1::jsonb`), nothing written
//   insert  the same, plus one durable INSERT of the body (its own commit, synchronous_commit on)
//   embedded-insert  the same INSERT into embedded PGlite, opened as `threadline serve` opens it (its own thread,
//           one connection over a socket, a disk sync per commit), in THREADLINE_DATA_DIR
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openPgliteStore } from '../src/eventstore/pglite/index.ts';
import { poolOf } from '../src/eventstore/postgres/index.ts';

const kind = process.argv[2];
const port = Number(process.env['PORT']);
if (!['hello', 'json', 'select', 'insert', 'embedded-insert'].includes(kind ?? '') || !Number.isInteger(port)) {
  throw new Error('usage: floor-server.ts hello|json|select|insert|embedded-insert (PORT, DATABASE_URL or THREADLINE_DATA_DIR)');
}

const openPool = async () => {
  if (kind === 'hello' || kind === 'json') return null;
  if (kind === 'embedded-insert') {
    // The embedded store's own opening (lock, thread, socket, one preparing connection); its event-store tables
    // are created at start and left unused.
    const store = await openPgliteStore({ dataDir: process.env['THREADLINE_DATA_DIR']!, command: 'floor-server' });
    process.once('SIGTERM', () => void store.close().finally(() => process.exit(0)));
    return poolOf(store);
  }
  // Connections kept open and opened up front, as `threadline serve` does.
  const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 4, idleTimeoutMillis: 0 });
  const opened = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
  for (const c of opened) c.release();
  return pool;
};
const pool = await openPool();
const inserts = kind === 'insert' || kind === 'embedded-insert';
if (inserts) await pool!.query('CREATE TABLE IF NOT EXISTS floor_rows (id uuid PRIMARY KEY, body jsonb NOT NULL)');

const answer = async (body: string) => {
  if (kind === 'select') await pool!.query('SELECT $1::jsonb AS body', [body]);
  if (inserts) await pool!.query('INSERT INTO floor_rows (id, body) VALUES ($1, $2::jsonb)', [randomUUID(), body]);
};

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (kind === 'json') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events?: unknown[]; batch?: unknown[] };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: (body.events ?? body.batch ?? [body]).length }));
        return;
      }
      answer(Buffer.concat(chunks).toString('utf8')).then(
        () => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ guid: 'FORD-2024-12-07-BAT-HIG-DET001-000000' }));
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(error.message);
        },
      );
    });
  })
  .listen(port, '127.0.0.1');

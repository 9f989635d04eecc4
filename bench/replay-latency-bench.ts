// Writes while the projections replay the log live (as after an upgrade that recreates the read models): an embedded
// store (one connection, shared by the API and the projections) seeded through the server, its read models recreated
// empty, then the server started again with each projection batch size in turn while log-event arrives at a steady
// rate. What the writes' latency is while the backlog is projected, and how long that takes.
//
//   node --import tsx bench/replay-latency-bench.ts [--events 100000] [--batch 2000,10000] [--rate 50] [--duration 60]
import { cpSync } from 'node:fs';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { PROJECTIONS } from '../src/projections/registry.ts';
import { projectionTransaction } from '../src/projections/runner/read-model-db.ts';
import { recreateProjection } from '../src/projections/runner/runner-schema.ts';
import { openRuntime } from '../src/runtime.ts';
import { cleanupAll, createBenchDataDir, freePort, log, sleep, startServer } from './bench-harness.ts';
import { createClient, formatStats, openLoop } from './load-generator.ts';
import { createGuids, projectionLag, seedOpenedEmails, waitCaughtUp } from './seeding.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '2000,10000' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
  },
});

const listening = async (port: number) => {
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await sleep(50);
  }
};

const main = async () => {
  const seeded = createBenchDataDir();
  const total = Number(args.events);
  let guids: string[];
  {
    const server = await startServer({ THREADLINE_DATA_DIR: seeded });
    const client = createClient(server.baseUrl, 8);
    guids = await createGuids(client, 1000);
    const t0 = performance.now();
    await seedOpenedEmails(client, guids, total);
    await waitCaughtUp(client);
    log(`seeded ${total} events over ${guids.length} journeys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    client.close();
    await server.stop();
  }
  // Every read model empty and at position 0, as a projection whose version changed is at the next start.
  const rt = await openRuntime({ kind: 'pglite', dataDir: seeded }, 'threadline replay-latency-bench');
  for (const p of PROJECTIONS) await projectionTransaction(rt.store.readModels as Kysely<unknown>, (trx) => recreateProjection(trx, p));
  await rt.close();

  const lines: string[] = [];
  for (const size of args.batch!.split(',').map(Number)) {
    const dir = createBenchDataDir();
    cpSync(seeded, dir, { recursive: true });
    // The writes start as soon as the server listens, not once it is healthy: its health check waits for the same
    // connection as everything else.
    const port = await freePort();
    const t0 = performance.now();
    const starting = startServer({ THREADLINE_DATA_DIR: dir }, { THREADLINE_PROJECTION_BATCH_SIZE: String(size) }, undefined, { port });
    await listening(port);
    const client = createClient(`http://127.0.0.1:${port}`, 256);
    let caughtUpS = Number.NaN;
    const watch = (async () => {
      while (Number.isNaN(caughtUpS)) {
        if ((await projectionLag(client)) === 0) caughtUpS = (performance.now() - t0) / 1000;
        else await sleep(250);
      }
    })();
    let seq = 0;
    const writes = await openLoop({ label: `log-event ${args.rate}/s during the replay, batches of ${size}`, rate: Number(args.rate), durationMs: Number(args.duration) * 1000 }, async () => {
      const r = await client.request('POST', '/api/v2/tracking/log-event', { guid: guids[seq % guids.length], event_type: 'SMS_SENT', channel: 'SMS', event_id: `replay-${size}-${seq++}` });
      return r.status === 201;
    });
    await watch;
    const server = await starting;
    const line = `${formatStats(writes)}; healthy ${server.startupS.toFixed(1)} s and every projection caught up ${caughtUpS.toFixed(1)} s after the start`;
    log(line);
    lines.push(line);
    client.close();
    await server.stop();
  }
  process.stdout.write(`\n${total} events replayed by seven projections on the embedded store\n${lines.join('\n')}\n`);
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);

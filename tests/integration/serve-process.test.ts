// `threadline serve` as a process: graceful SIGTERM, and no acknowledged event lost when it is killed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/runtime.ts';
import { riskBody, TEST_ADMIN_SECRET } from '../helpers/test-app.ts';
import { storeTargets } from '../helpers/test-stores.ts';
import type { StoreConfig } from '../../src/eventstore/index.ts';

const envFor = (config: StoreConfig): Record<string, string> =>
  config.kind === 'pglite' ? { THREADLINE_DATA_DIR: config.dataDir, DATABASE_URL: '' } : { DATABASE_URL: config.connectionString };

/** Starts serve on a free port; resolves with its base URL once it logs that it listens. */
const startServe = async (config: StoreConfig, env: Record<string, string> = {}) => {
  const child = spawn('node', ['bin/threadline.js', 'serve'], { env: { ...process.env, ...envFor(config), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', THREADLINE_ADMIN_KEY: TEST_ADMIN_SECRET, ...env } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"port":(\d+)[^\n]*threadline listening/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { child, url, output: () => out };
};

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_SECRET}` };

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...ADMIN }, body: JSON.stringify(body) });

describe.each(storeTargets())('threadline serve on $name', (target) => {
  let config: StoreConfig;
  let cleanup: () => Promise<void>;
  let child: ChildProcessWithoutNullStreams | undefined;
  beforeAll(async () => {
    ({ config, cleanup } = await target.create());
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await cleanup?.();
  });

  it('loses no acknowledged event when killed, and drains cleanly on SIGTERM', async () => {
    const first = await startServe(config);
    child = first.child;
    const created = await post(`${first.url}/api/v2/tracking/generate-guid`, riskBody());
    expect(created.status).toBe(201);
    const { guid } = (await created.json()) as { guid: string };
    // Acknowledge events concurrently, then kill the process without warning.
    const acked: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await post(`${first.url}/api/v2/tracking/log-event`, { guid, event_type: 'SMS_SENT', channel: 'SMS', event_id: `k-${i}` });
        if (res.status === 201) acked.push(`k-${i}`);
      }),
    );
    expect(acked).toHaveLength(40);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    // A new process takes over (the embedded store's stale lock is recognised) and has every event.
    const second = await startServe(config);
    child = second.child;
    const journey = await fetch(`${second.url}/api/v2/tracking/journey/${guid}`, { headers: ADMIN });
    expect(journey.status).toBe(200);
    const body = (await journey.json()) as { events: { event_id: string }[] };
    expect(body.events.map((e) => e.event_id).sort()).toEqual([...acked].sort());

    // SIGTERM: a request in flight is answered, then the process exits 0 and releases the store.
    const inFlight = post(`${second.url}/api/v2/tracking/log-event`, { guid, event_type: 'SMS_SENT', channel: 'SMS', event_id: 'last' });
    await new Promise((r) => setTimeout(r, 5));
    second.child.kill('SIGTERM');
    const [code] = (await once(second.child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(second.output()).toContain('stopped');
    const answer = await inFlight.catch(() => null);
    const rt = await openRuntime(config, 'vitest after serve');
    try {
      const stored = await rt.store.eventStore.readStream(`journey-${guid}`);
      const ids = stored.events.flatMap((e) => (e.type === 'TrackingEventLogged' ? [(e.data as { event_id: string }).event_id] : []));
      // Either the request was answered 201 and the event is stored, or it never reached the server.
      if (answer?.status === 201) expect(ids).toContain('last');
      expect(ids.filter((id) => id.startsWith('k-'))).toHaveLength(40);
    } finally {
      await rt.close();
    }
  });

  it('stops within its shutdown grace although a client holds a request open', async () => {
    const served = await startServe(config, { THREADLINE_SHUTDOWN_GRACE: '1s' });
    child = served.child;
    const { port } = new URL(served.url);
    // A request whose body never finishes arriving: in flight, so close() alone would wait for it.
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    socket.write(`POST /api/v2/tracking/log-event HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_SECRET}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"guid":`);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    served.child.kill('SIGTERM');
    const [code] = (await once(served.child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(served.output()).toContain('grace over');
    socket.destroy();
  });

  it('makes an admin key at the first start of an empty store, prints it once and leaves it in admin.key (0600)', async () => {
    const fresh = await target.create();
    const keyDir = fresh.config.kind === 'pglite' ? fresh.config.dataDir : mkdtempSync(join(tmpdir(), 'tl-key-'));
    try {
      const first = await startServe(fresh.config, { THREADLINE_ADMIN_KEY: '', THREADLINE_DATA_DIR: keyDir });
      child = first.child;
      const printed = /(tl_live_[0-9A-Za-z]{28})/.exec(first.output())?.[1];
      expect(printed, first.output()).toBeDefined();
      const file = join(keyDir, 'admin.key');
      expect(readFileSync(file, 'utf8').trim()).toBe(printed);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect((await fetch(`${first.url}/api/v2/tracking/journeys`)).status).toBe(401);
      expect((await fetch(`${first.url}/api/v2/tracking/journeys`, { headers: { authorization: `Bearer ${printed}` } })).status).toBe(200);
      first.child.kill('SIGTERM');
      await once(first.child, 'exit');
      // A store with a key already makes none.
      const second = await startServe(fresh.config, { THREADLINE_ADMIN_KEY: '', THREADLINE_DATA_DIR: keyDir });
      child = second.child;
      expect(second.output()).not.toMatch(/tl_live_/);
      expect((await fetch(`${second.url}/api/v2/tracking/journeys`, { headers: { authorization: `Bearer ${printed}` } })).status).toBe(200);
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    } finally {
      await fresh.cleanup();
      rmSync(keyDir, { recursive: true, force: true });
    }
  });
});

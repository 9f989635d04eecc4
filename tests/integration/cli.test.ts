// The threadline command as a user runs it: one process per embedded store, export as NDJSON, rebuild.
import { PROJECTIONS } from '../../src/projections/registry.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run('node', ['bin/threadline.js', ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('threadline CLI on the embedded store', () => {
  const target = storeTargets().find((t) => t.name === 'pglite')!;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const created = await target.create();
    cleanup = created.cleanup;
    dataDir = (created.config as { dataDir: string }).dataDir;
  });
  afterAll(async () => cleanup?.());

  // Six processes, each opening the embedded store (PGlite takes seconds to start): more than the default timeout.
  it('creates demo journeys, exports them in log order, rebuilds, and refuses a second process', { timeout: 240_000 }, async () => {
    const env = { THREADLINE_DATA_DIR: dataDir };
    const demo = await cli(['demo', '--journeys', '5', '--seed', '3'], env);
    expect(demo.stderr).toContain('created 5 demo journeys');
    expect(demo.code).toBe(0);

    const all = await cli(['export'], env);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const journeyLines = lines.filter((l) => l.stream_id.startsWith('journey-'));
    expect(journeyLines.filter((l) => l.type === 'JourneyCreated')).toHaveLength(5);
    const guid = journeyLines[0].stream_id.slice('journey-'.length);
    const one = await cli(['export', '--guid', guid], env);
    const oneLines = one.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(new Set(oneLines.map((l) => l.stream_id))).toEqual(new Set([`journey-${guid}`]));
    expect(oneLines.map((l) => l.stream_position)).toEqual(oneLines.map((_, i) => i + 1));

    const rebuild = await cli(['rebuild'], env);
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toContain(`rebuilt the read models (${PROJECTIONS.map((p) => p.name).join(', ')}) from`);

    let rt: Runtime | undefined;
    try {
      rt = await openRuntime({ kind: 'pglite', dataDir }, 'vitest holder');
      const blocked = await cli(['export'], env);
      expect(blocked.code).toBe(2);
      expect(blocked.stderr).toContain(`in use by process ${process.pid} (vitest holder`);
    } finally {
      await rt?.close();
    }
    expect((await cli(['nonsense'], env)).code).toBe(2);
  });
});

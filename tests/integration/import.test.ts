// `threadline import` on both stores: history with its GUIDs, twice, with bad lines, and as a dry run.
import { query } from '../helpers/sql.ts';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/import-command.ts';
import { getJourneyRows } from '../../src/projections/journeys/journey-queries.ts';
import { narrow } from '../../src/projections/runner/read-model-db.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { APPENDIX_EVENTS, APPENDIX_RISK_EVENT, APPENDIX_TRANSITIONS } from '../fixtures/prd-appendix-journey.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const CHAT = 'FORD-2024-12-01-CNV-CHT-DET002-00C0DE';

/** A migration file: the journey line last (events may come first), events in no particular order, three bad lines. */
const historyLines = () => [
  ...[...APPENDIX_EVENTS].reverse().map((e, i) => JSON.stringify({ guid: GUID, ...e, ...(i === 3 ? { event_id: undefined } : {}) })),
  '{"guid": "FORD-2024-12-07-BAT-CRT-DET001-A7B9C2", "event_type": "EMAIL_SENT", "channel": "PIGEON"}',
  'not json at all',
  '',
  JSON.stringify({ guid: 'FORD-2024-12-07-BAT-CRT-DET001-FFFFFF', event_type: 'SMS_SENT', channel: 'SMS', occurred_at: '2024-12-07T11:00:00Z' }),
  JSON.stringify({ guid: CHAT, channel: 'CHAT', dealer_code: 'DET002', started_at: '2024-12-01T09:00:00Z' }),
  // A message id beyond 2^53 (a chat platform's) must come back exactly as it was written.
  `{"guid": "${CHAT}", "event_type": "MESSAGE_RECEIVED", "channel": "CHAT", "occurred_at": "2024-12-01T09:00:05Z", "details": {"source": "webchat", "platform_message_id": 123456789012345678901234, "ref": "98765432109876543210"}}`,
  JSON.stringify({ channel: 'SMS', dealer_code: 'DET003', started_at: '2024-12-02T09:00:00Z' }),
  JSON.stringify({ guid: GUID, vin: '1FTFW1ET5DFC10312', dealer_code: 'DET001', risk_event: APPENDIX_RISK_EVENT }),
];

describe.each(storeTargets())('import on $name', (target) => {
  let rt: Runtime;
  let cleanup: () => Promise<void>;
  let dir: string;
  beforeAll(async () => {
    const created = await target.create();
    cleanup = created.cleanup;
    rt = await openRuntime(created.config, 'vitest');
    dir = mkdtempSync(join(tmpdir(), 'tl-import-'));
  });
  afterAll(async () => {
    await rt?.close();
    await cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const run = (path: string, dryRun = false) => runImport(rt.store, { file: path, dryRun, prefix: 'FORD', maxFutureSkewMs: 300_000, stderr: { write: () => true, isTTY: false } as never });
  const stored = async () => Number((await query(rt.store, 'SELECT count(*) AS n FROM emt_messages')).rows[0].n);

  it('validates a dry run without storing anything', async () => {
    const report = await run(file('history.ndjson', historyLines()), true);
    expect(report).toMatchObject({ dry_run: true, journeys: { valid: 3, created: 0 }, events: { valid: 12, stored: 0 } });
    expect(report.rejections.map((r) => r.line)).toEqual([12, 13, 15]);
    expect(await stored()).toBe(0);
  });

  it('loads history, reports every bad line with its number and reason, and stores nothing twice when run again', async () => {
    const path = file('history.ndjson', historyLines());
    const first = await run(path);
    expect(first).toMatchObject({ dry_run: false, lines: 19, journeys: { created: 3, duplicate: 0 }, events: { stored: 12, duplicate: 0 }, rejected: 3 });
    expect(first.rejections).toEqual([
      { line: 12, reason: expect.stringContaining('channel') },
      { line: 13, reason: expect.stringContaining('not JSON') },
      { line: 15, reason: expect.stringContaining('unknown_guid') },
    ]);
    const count = await stored();
    const again = await run(path);
    expect(again).toMatchObject({ journeys: { created: 0, duplicate: 3 }, events: { stored: 0, duplicate: 12 }, rejected: 3 });
    expect(await stored()).toBe(count);

    await rt.projections.catchUp();
    const rows = (await getJourneyRows(narrow(rt.db), GUID))!;
    expect(rows.summary).toMatchObject({ current_state: 'CLOSED', conversion_channel: 'SMS', total_events: APPENDIX_EVENTS.length });
    expect(rows.transitions.map((t) => [t.from_state, t.to_state, t.entered_at.toISOString()])).toEqual(APPENDIX_TRANSITIONS);
    const chat = (await getJourneyRows(narrow(rt.db), CHAT))!;
    expect(chat.summary.created_at.toISOString()).toBe('2024-12-01T09:00:00.000Z');
    expect(chat.events[0]!.details).toEqual({ source: 'webchat', platform_message_id: 123456789012345678901234n, ref: '98765432109876543210' });
  });

  it('refuses a GUID that belongs to another journey, and a risk event that already has another GUID', async () => {
    const report = await run(file('clash.ndjson', [
      JSON.stringify({ guid: GUID, vin: '1FTFW1ET5DFC10999', dealer_code: 'DET001', risk_event: APPENDIX_RISK_EVENT }),
      JSON.stringify({ guid: 'FORD-2024-12-07-BAT-CRT-DET001-B0B0B0', vin: '1FTFW1ET5DFC10312', dealer_code: 'DET001', risk_event: APPENDIX_RISK_EVENT }),
    ]));
    expect(report.rejections).toEqual([
      { line: 1, reason: expect.stringContaining('guid_taken') },
      { line: 2, reason: expect.stringContaining(`already has journey ${GUID}`) },
    ]);
  });
});

describe('threadline import as a command', () => {
  it('prints a summary, writes the report, and exits 1 when a line was rejected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-import-cli-'));
    try {
      const path = join(dir, 'h.ndjson');
      writeFileSync(path, `${historyLines().join('\n')}\n`);
      const result = await promisify(execFile)('node', ['bin/threadline.js', 'import', '--file', path, '--report', join(dir, 'report.json')], {
        env: { ...process.env, DATABASE_URL: '', THREADLINE_DATA_DIR: join(dir, 'data') },
        timeout: 120_000,
      }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('imported 19 lines: 3 journeys created (0 already there), 12 events stored (0 duplicates), 3 rejected');
      expect(result.stderr).toContain('line 13: not JSON');
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({ rejected: 3, events: { stored: 12 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

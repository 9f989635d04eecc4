// What access control costs: log-event (closed loop) and GET journey (open loop) on Threadline with API keys,
// budgets and the audit trail, side by side with the same server before access control existed (a git worktree of
// --before), in the same run, rounds interleaved. Each server on its own fresh store.
//
//   node --import tsx bench/access-bench.ts [--mode pglite|postgres|both] [--before 4fec93c] [--rounds 3]
//        [--duration 15] [--concurrency 16] [--query-rate 50] [--with-env K=V,...] [--json FILE]
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, cleanupAll, createBenchDatabase, createBenchDataDir, log, startServer } from './bench-harness.ts';
import { closedLoop, createClient, formatStats, openLoop, type HttpClient, type RunStats } from './load-generator.ts';
import { guidBody } from './request-bodies.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    before: { type: 'string', default: '4fec93c' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    'query-rate': { type: 'string', default: '50' },
    json: { type: 'string' },
    /** Extra environment for the server with access control (K=V,K=V), e.g. THREADLINE_AUDIT_FLUSH=1s. */
    'with-env': { type: 'string', default: '' },
  },
});
const ROOT = join(BIN, '..', '..');
const rounds = Number(args.rounds);
const durationMs = Number(args.duration) * 1000;
const concurrency = Number(args.concurrency);
const queryRate = Number(args['query-rate']);

/** The code before access control, checked out beside the repository, sharing its node_modules. */
const beforeBin = (ref: string): string => {
  const dir = join(ROOT, '..', `threadline-before-${ref}`);
  if (!existsSync(dir)) execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, ref], { stdio: 'ignore' });
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'bin', 'threadline.js');
};

interface Variant {
  name: 'before' | 'with access';
  admin: HttpClient;
  /** A channel key's client (writes) and a dealer key's (reads); the admin secret's where there are no keys. */
  writer: HttpClient;
  reader: HttpClient;
  guids: string[];
  stop(): Promise<void>;
}

const makeKey = async (admin: HttpClient, role: string) => {
  const r = await admin.request('POST', '/api/v2/admin/keys', { name: `bench ${role}`, role, dealers: ['DET001'] });
  if (r.status !== 201) throw new Error(`making a ${role} key: ${r.status} ${r.body}`);
  return (JSON.parse(r.body) as { key: string }).key;
};

const openVariant = async (mode: string, name: Variant['name'], bin: string, stamp: string): Promise<Variant> => {
  const storeEnv: Record<string, string> = mode === 'pglite' ? { THREADLINE_DATA_DIR: createBenchDataDir() } : { DATABASE_URL: await createBenchDatabase(`bench_access_${stamp}_${name === 'before' ? 'b' : 'a'}`, false) };
  const extra = name === 'with access' ? Object.fromEntries(args['with-env']!.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string])) : {};
  const server = await startServer(storeEnv, extra, [bin, 'serve']);
  const admin = createClient(server.baseUrl);
  const keyed = name === 'with access';
  const writer = keyed ? createClient(server.baseUrl, 256, { authorization: `Bearer ${await makeKey(admin, 'channel')}` }) : admin;
  const reader = keyed ? createClient(server.baseUrl, 256, { authorization: `Bearer ${await makeKey(admin, 'dealer')}` }) : admin;
  const guids: string[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await writer.request('POST', '/api/v2/tracking/generate-guid', guidBody());
    if (r.status !== 201) throw new Error(`generate-guid: ${r.status} ${r.body}`);
    guids.push((JSON.parse(r.body) as { guid: string }).guid);
  }
  return { name, admin, writer, reader, guids, stop: server.stop };
};

let seq = 0;
const logEvent = (v: Variant) => async () => {
  const guid = v.guids[seq % v.guids.length]!;
  const r = await v.writer.request('POST', '/api/v2/tracking/log-event', { guid, event_type: 'EMAIL_OPENED', channel: 'EMAIL', event_id: `access-bench-${process.pid}-${seq++}` });
  return r.status === 201;
};
const getJourney = (v: Variant) => async (i: number) => (await v.reader.request('GET', `/api/v2/tracking/journey/${v.guids[i % v.guids.length]}?events_limit=50`)).status === 200;

const benchMode = async (mode: string, bin: string) => {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const variants = [await openVariant(mode, 'before', bin, stamp), await openVariant(mode, 'with access', BIN, stamp)];
  const runs: (RunStats & { variant: string; round: number; scenario: string })[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so that neither always runs on a warmer (or more fragmented) machine.
    for (const v of round % 2 ? variants : [...variants].reverse()) {
      const write = await closedLoop({ label: `${mode} ${v.name} log-event x${concurrency}`, concurrency, durationMs, maxRequests: 1_000_000 }, logEvent(v));
      log(formatStats(write));
      runs.push({ ...write, variant: v.name, round, scenario: 'log-event closed loop' });
      const read = await openLoop({ label: `${mode} ${v.name} GET journey ${queryRate}/s`, rate: queryRate, durationMs }, getJourney(v));
      log(formatStats(read));
      runs.push({ ...read, variant: v.name, round, scenario: 'GET journey open loop' });
    }
  }
  for (const v of variants) {
    for (const c of new Set([v.admin, v.writer, v.reader])) c.close();
    await v.stop();
  }
  return { mode, runs };
};

const main = async () => {
  const bin = beforeBin(args.before!);
  log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}; before = ${args.before}`);
  const modes = args.mode === 'both' ? ['pglite', 'postgres'] : [args.mode!];
  const results = [];
  for (const mode of modes) results.push(await benchMode(mode, bin));
  for (const { mode, runs } of results) {
    for (const scenario of ['log-event closed loop', 'GET journey open loop']) {
      for (const variant of ['before', 'with access']) {
        const mine = runs.filter((r) => r.scenario === scenario && r.variant === variant);
        log(`${mode} ${scenario} ${variant}: throughput ${mine.map((r) => r.throughput.toFixed(0)).join(' / ')} per s, p50 ${mine.map((r) => r.p50.toFixed(2)).join(' / ')} ms, p99 ${mine.map((r) => r.p99.toFixed(2)).join(' / ')} ms, errors ${mine.reduce((a, r) => a + r.errors, 0)}`);
      }
    }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanupAll);

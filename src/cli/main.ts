// The `threadline` command: serve, rebuild, import, export, demo, attribution.
import { createWriteStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { streamAudit } from '../application/audit-export.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { DataDirLockedError, openStore } from '../eventstore/index.ts';
import { createAuditWriter, prepareAccessTables } from '../projections/access/index.ts';
import { PROJECTIONS, projectionNamed } from '../projections/registry.ts';
import { rebuildProjections } from '../projections/runner/rebuild.ts';
import { openRuntime, runtimeOptions } from '../runtime.ts';
import { attributionCommand } from './attribution-command.ts';
import { auditCommand } from './audit-command.ts';
import { createDemoConversations, createDemoJourneys } from './demo-command.ts';
import { keysCommand } from './keys-command.ts';
import { runImport, summarise, writeReport } from './import-command.ts';
import { progressBar } from './progress.ts';
import { serve } from './serve.ts';
import { webhooksCommand } from './webhooks-command.ts';

const USAGE = `Usage: threadline <command> [options]

Commands:
  serve                         run the HTTP API and the projections (what npm start runs)
  rebuild [--projection NAME]   drop the read models (all, or one: ${PROJECTIONS.map((p) => p.name).join(', ')}) and replay
                                the log from position 0 into them
  import --file FILE.ndjson [--dry-run] [--report FILE]
                                load history: journeys (generate-guid or conversation bodies, with the GUID
                                they already have) and events (log-event bodies); idempotent; see docs/import.md
  export [--guid G] [--from T] [--to T] [--out FILE]
                                write raw events in log order as NDJSON (stdout by default)
  demo [--journeys N] [--conversations M] [--seed S] [--concurrency C]
                                create N realistic outreach journeys and M conversations (bot, web views,
                                queues, agents, hand-overs, expiry, reopening) through the command side
  keys create|list|roll|revoke   API keys with a role and dealer scope (see keys --help; docs/security.md)
  webhooks list|...             webhook subscriptions and their deliveries (see webhooks --help; docs/webhooks.md)
  audit verify                  check the audit trail's hash chain; exit 1 naming the first broken record
  attribution --paths FILE [...]
                                channel attribution on a ChannelAttribution CSV (see --help there)

Configuration comes from the environment: see README.md.`;

const storeOf = (c: Config) => c.store;

const withRuntime = async <T>(command: string, fn: (rt: Awaited<ReturnType<typeof openRuntime>>, config: Config) => Promise<T>) => {
  const config = loadConfig();
  const rt = await openRuntime(storeOf(config), command, runtimeOptions(config));
  try {
    return await fn(rt, config);
  } finally {
    await rt.close();
  }
};

/** Projects what a command wrote, with a progress bar, so that the read models answer for it at once. */
const catchUpProjections = async (rt: Awaited<ReturnType<typeof openRuntime>>) => {
  const total = await rt.store.log.count();
  const bar = progressBar('projecting');
  await rt.projections.catchUp((name, n) => bar(n, Math.max(n, total)));
  await rt.maintenance?.analyze();
};

const commands: Record<string, (args: string[]) => Promise<number>> = {
  async serve() {
    const config = loadConfig();
    await serve(config, pino({ level: config.logLevel }));
    return 0;
  },

  async rebuild(args) {
    const { values } = parseArgs({ args, options: { projection: { type: 'string' } } });
    const chosen = values.projection === undefined ? PROJECTIONS : [projectionNamed(values.projection)];
    if (chosen.some((p) => p === undefined)) throw new UsageError(`--projection: one of ${PROJECTIONS.map((p) => p.name).join(', ')}`);
    return withRuntime('threadline rebuild', async (rt) => {
      const bars = new Map<string, ReturnType<typeof progressBar>>();
      const replayed = await rebuildProjections({ readModels: rt.store.readModels, log: rt.store.log }, chosen as typeof PROJECTIONS, (name, done, total) => {
        if (!bars.has(name)) bars.set(name, progressBar(`rebuild ${name}`));
        bars.get(name)!(done, total);
      });
      await rt.maintenance?.runOnce();
      const names = Object.keys(replayed);
      const events = Math.max(0, ...Object.values(replayed));
      process.stderr.write(`rebuilt the read models (${names.join(', ')}) from ${events} events\n`);
      return 0;
    });
  },

  async export(args) {
    const { values } = parseArgs({ args, options: { guid: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } });
    for (const k of ['from', 'to'] as const) {
      if (values[k] !== undefined && Number.isNaN(Date.parse(values[k]))) throw new UsageError(`--${k}: not a date-time: ${values[k]}`);
    }
    // The log is all an export reads: the store alone, without the read models' start-up work.
    const store = await openStore(loadConfig().store, 'threadline export');
    try {
      const out = values.out ? createWriteStream(values.out) : process.stdout;
      const n = await streamAudit(
        store.log,
        {
          streamId: values.guid ? `journey-${values.guid}` : undefined,
          recordedFrom: values.from ? new Date(values.from) : undefined,
          recordedTo: values.to ? new Date(values.to) : undefined,
        },
        (line) => (out.write(line) ? undefined : new Promise<void>((r) => out.once('drain', () => r()))),
      );
      if (values.out) await new Promise((r) => (out as ReturnType<typeof createWriteStream>).end(r));
      // An export of raw events is a compliance action: it goes on the audit trail.
      await prepareAccessTables(store.readModels);
      const audit = createAuditWriter(store.readModels, { flushMs: 10 });
      const range = `export:${values.from ?? 'start'}..${values.to ?? 'now'}`;
      audit.record({ at: new Date().toISOString(), source: 'cli', action: 'export', request_id: null, actor: { id: 'cli', label: 'command line', role: 'admin', via: 'cli' }, ip: null, objects: values.guid ? [values.guid, range] : [range], result: 'ok', status: null, reason: `${n} events` });
      await audit.close();
      process.stderr.write(`exported ${n} events\n`);
      return 0;
    } finally {
      await store.close();
    }
  },

  async import(args) {
    const { values } = parseArgs({ args, options: { file: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, report: { type: 'string' } } });
    if (!values.file) throw new UsageError('--file: the NDJSON file to import');
    if (!existsSync(values.file)) throw new UsageError(`--file: no such file: ${values.file}`);
    return withRuntime('threadline import', async (rt, config) => {
      const report = await runImport(rt.store, { file: values.file!, dryRun: values['dry-run'], prefix: config.guidPrefix, maxFutureSkewMs: config.maxFutureSkewMs });
      if (!report.dry_run) await catchUpProjections(rt);
      process.stderr.write(`${summarise(report)}\n`);
      writeReport(report, values.report);
      // A rejected line is reported, never fatal; the exit status tells a script that some were.
      return report.rejected > 0 ? 1 : 0;
    });
  },

  async demo(args) {
    const { values } = parseArgs({ args, options: { journeys: { type: 'string' }, conversations: { type: 'string' }, seed: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '8' } } });
    const conversations = values.conversations === undefined ? 0 : Number(values.conversations);
    // Conversations continue some outreach journeys (parent_guid): without --journeys, a few are made for them.
    const journeys = values.journeys !== undefined ? Number(values.journeys) : conversations > 0 ? Math.ceil(conversations / 20) : 100;
    const seed = Number(values.seed);
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(journeys) || journeys < (values.conversations === undefined ? 1 : 0)) throw new UsageError('--journeys: a positive integer');
    if (!Number.isInteger(conversations) || (values.conversations !== undefined && conversations < 1)) throw new UsageError('--conversations: a positive integer');
    if (!Number.isInteger(seed)) throw new UsageError('--seed: an integer');
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency: a positive integer');
    return withRuntime('threadline demo', async (rt, config) => {
      const parents = journeys > 0 ? await createDemoJourneys(rt.store, { journeys, seed, concurrency, prefix: config.guidPrefix, onProgress: progressBar('demo journeys') }) : [];
      if (journeys > 0) process.stderr.write(`created ${journeys} demo journeys\n`);
      if (conversations > 0) {
        const r = await createDemoConversations(rt.store, { conversations, seed, concurrency, prefix: config.guidPrefix, parents, onProgress: progressBar('demo conversations') });
        const kinds = Object.entries(r.kinds).map(([k, n]) => `${k.replaceAll('_', ' ')} ${n}`).join(', ');
        process.stderr.write(`created ${conversations} demo conversations (${r.events} events; ${kinds}; still open ${r.open})\n`);
      }
      await catchUpProjections(rt);
      return 0;
    });
  },

  keys: (args) =>
    withRuntime('threadline keys', async (rt) => {
      const audit = createAuditWriter(rt.store.readModels, { flushMs: 10 });
      try {
        return await keysCommand(args, rt.store.readModels, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), audit: (e) => audit.record(e) });
      } finally {
        await audit.close();
      }
    }),

  webhooks: (args) =>
    withRuntime('threadline webhooks', (rt) => webhooksCommand(args, rt.store.readModels, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) })),

  audit: (args) =>
    auditCommand(args, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), withDb: (fn) => withRuntime('threadline audit', (rt) => fn(rt.store.readModels)) }),

  attribution: (args) => attributionCommand(args, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }),
};

class UsageError extends Error {}

export const main = async (argv: string[]): Promise<number> => {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command: ${name}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof DataDirLockedError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`threadline ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
};

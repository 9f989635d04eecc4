// `threadline webhooks list|...`: webhook operations from the command line. Each action is one entry of ACTIONS
// (deliveries and replay join it), sharing the parsed flags and the read-model database.
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { subscriptionView, type WebhookSubscription } from '../domain/webhooks/index.ts';
import { DELIVERY_STATUSES, deliveryCounts, findSubscription, listDeliveries, listSubscriptions, replayDeliveries, type DeliveryStatus } from '../projections/webhooks/index.ts';

export interface WebhooksIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface WebhooksContext {
  db: Kysely<unknown>;
  io: WebhooksIo;
  now: () => Date;
}

export interface WebhooksAction {
  /** One usage line (without `threadline webhooks`). */
  usage: string;
  run(args: string[], ctx: WebhooksContext): Promise<number>;
}

export const webhooksUsage = (io: WebhooksIo, message: string): number => {
  io.stderr(`threadline webhooks: ${message}\n\n${USAGE()}\n`);
  return 2;
};

const filterText = (s: WebhookSubscription) => {
  const f = s.filter;
  const parts = [f.dealer_code && `dealer=${f.dealer_code}`, f.kind && `kind=${f.kind}`, f.event_types && `types=${f.event_types.join(',')}`].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'no filter';
};

const stateText = (s: WebhookSubscription, now: Date) =>
  [
    s.status === 'disabled' ? `disabled (${s.disabled_reason ?? 'no reason given'})` : s.status,
    s.failing_since ? `failing since ${s.failing_since.toISOString()}` : null,
    s.previous_secret_expires_at && s.previous_secret_expires_at > now ? `rotating until ${s.previous_secret_expires_at.toISOString()}` : null,
  ]
    .filter(Boolean)
    .join(', ');


const list: WebhooksAction = {
  usage: 'list [--json]                 every subscription: status, url, events, filter (never the secret)',
  async run(args, { db, io, now }) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
    const subs = await listSubscriptions(db);
    const at = now();
    for (const s of subs) {
      io.stdout(values.json ? `${JSON.stringify(subscriptionView(s, at))}\n` : `${s.id}  ${stateText(s, at)}  ${s.url}  events=${s.events.join(',')}  ${filterText(s)}${s.description ? `  "${s.description}"` : ''}\n`);
    }
    if (!values.json) io.stderr(`${subs.length} subscription(s)\n`);
    return 0;
  },
};

const deliveries: WebhooksAction = {
  usage: `deliveries ID [--status ${DELIVERY_STATUSES.join('|')}] [--limit N] [--json]\n                                an endpoint's deliveries, newest first, with every attempt (failed: the dead letters)`,
  async run(args, { db, io }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { status: { type: 'string' }, limit: { type: 'string', default: '50' }, json: { type: 'boolean', default: false } } });
    const id = positionals[0];
    if (!id) return webhooksUsage(io, 'deliveries: which subscription (its id, from webhooks list)');
    if (values.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(values.status)) return webhooksUsage(io, `--status: one of ${DELIVERY_STATUSES.join(', ')}`);
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return webhooksUsage(io, '--limit: 1 to 500');
    if (!(await findSubscription(db, id))) return webhooksUsage(io, `no subscription ${id}`);
    const page = (await listDeliveries(db, id, { status: values.status as DeliveryStatus | undefined, limit }))!;
    for (const d of page.deliveries) {
      if (values.json) {
        io.stdout(`${JSON.stringify(d)}\n`);
        continue;
      }
      io.stdout(`${d.id}  ${d.status}  ${d.event_type}  ${d.webhook_id}  attempts=${d.attempt_count}${d.replays ? ` replays=${d.replays}` : ''}  last=${d.last_status ?? '-'}${d.next_attempt_at ? `  next ${d.next_attempt_at}` : ''}\n`);
      for (const a of d.attempts) io.stdout(`    ${a.at}  ${a.status_code ?? a.error}  ${a.latency_ms} ms${a.response_excerpt ? `  ${JSON.stringify(a.response_excerpt.slice(0, 80))}` : ''}\n`);
    }
    const counts = await deliveryCounts(db, id);
    io.stderr(`${DELIVERY_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ')}${page.next_cursor ? ` (showing the newest ${limit})` : ''}\n`);
    return 0;
  },
};

const replay: WebhooksAction = {
  usage: 'replay ID --since TIME [--until TIME] | --message-id MSG\n                                send again with the original webhook-ids (event time; until defaults to now)',
  async run(args, { db, io, now }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { since: { type: 'string' }, until: { type: 'string' }, 'message-id': { type: 'string' } } });
    const id = positionals[0];
    if (!id) return webhooksUsage(io, 'replay: which subscription (its id, from webhooks list)');
    const messageId = values['message-id'];
    if ((messageId === undefined) === (values.since === undefined)) return webhooksUsage(io, 'replay: either --message-id, or --since [--until]');
    for (const k of ['since', 'until'] as const) if (values[k] !== undefined && Number.isNaN(Date.parse(values[k]))) return webhooksUsage(io, `--${k}: not a date-time: ${values[k]}`);
    const sub = await findSubscription(db, id);
    if (!sub) return webhooksUsage(io, `no subscription ${id}`);
    const at = now();
    const until = values.until === undefined ? at : new Date(values.until);
    if (values.since !== undefined && until <= new Date(values.since)) return webhooksUsage(io, '--until: must be after --since');
    const queued = await replayDeliveries(db, sub, messageId !== undefined ? { messageId } : { since: new Date(values.since!), until }, at);
    if (queued === null) return webhooksUsage(io, `no message ${messageId} that ${id} subscribes to`);
    io.stderr(`queued ${queued} message(s) for ${id}; a running server sends them within a second\n`);
    return 0;
  },
};

export const ACTIONS: Record<string, WebhooksAction> = { list, deliveries, replay };

const USAGE = () => `Usage:\n${Object.values(ACTIONS).map((a) => `  threadline webhooks ${a.usage}`).join('\n')}`;

export const webhooksCommand = async (args: string[], db: Kysely<unknown>, io: WebhooksIo, now: () => Date = () => new Date()): Promise<number> => {
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${USAGE()}\n`);
    return 0;
  }
  const action = name === undefined ? undefined : ACTIONS[name];
  if (!action) return webhooksUsage(io, name ? `unknown action ${name}` : `one of ${Object.keys(ACTIONS).join(', ')}`);
  return action.run(rest, { db, io, now });
};

// Mailgun's webhooks: one event per request, `{signature, "event-data"}`, the sender's `v:` variables under
// `event-data.user-variables` (docs/channels.md has the mapping table and the settings).
import { classifyClick, classifyOpen } from '../machine-rules.ts';
import { isTrackableUrl } from '../trackable-url.ts';
import type { EmailEventKind, EmailProviderAdapter, ProviderEmailEvent } from './email-provider.ts';
import { idOf, isoFromEpochSeconds, isRecord, journeyVariables, textOf, type Fields } from './provider-fields.ts';

const KINDS: Readonly<Record<string, EmailEventKind>> = {
  accepted: 'sent',
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  failed: 'bounced',
  complained: 'complained',
  unsubscribed: 'unsubscribed',
};

const recordAt = (v: unknown): Fields => (isRecord(v) ? v : {});

/** Mailgun names the bot it recognised (`client-info.bot`, e.g. `apple`, `gmail`); empty or absent for a person. */
const botOf = (client: Fields): boolean => (typeof client['bot'] === 'string' ? client['bot'].trim() !== '' : client['bot'] === true);

const reasonOf = (e: Fields): string | null => {
  const status = recordAt(e['delivery-status']);
  return textOf(status['description'], 1000) ?? textOf(status['message'], 1000) ?? textOf(e['reason'], 1000);
};

const eventOf = (e: Fields, kind: EmailEventKind, providerEventId: string, occurredAt: string): ProviderEmailEvent => {
  const { guid, messageId } = journeyVariables(recordAt(e['user-variables']));
  const client = recordAt(e['client-info']);
  const userAgent = typeof client['user-agent'] === 'string' ? client['user-agent'] : null;
  const providerFlag = botOf(client) ? 'mailgun_bot' : null;
  const base: ProviderEmailEvent = {
    provider: 'mailgun',
    providerEventId,
    providerEvent: String(e['event']),
    kind,
    occurredAt,
    guid,
    messageId,
    providerMessageId: idOf(recordAt(recordAt(e['message'])['headers'])['message-id']),
    recipient: textOf(e['recipient'], 254),
  };
  switch (kind) {
    case 'opened':
      return { ...base, machine: classifyOpen({ userAgent, providerFlag }) };
    case 'clicked': {
      const url = typeof e['url'] === 'string' && isTrackableUrl(e['url']) ? e['url'] : null;
      return { ...base, url, machine: classifyClick({ userAgent, method: 'GET', sentAtMs: null, nowMs: Date.parse(occurredAt), providerFlag }) };
    }
    case 'bounced':
      // Mailgun retries a temporary failure itself; a permanent one (or one without a severity) is final.
      return { ...base, bounceType: e['severity'] === 'temporary' ? 'soft' : 'hard', reason: reasonOf(e) };
    default:
      return base;
  }
};

export const mailgunAdapter: EmailProviderAdapter = {
  name: 'mailgun',
  parse(body) {
    if (!isRecord(body) || !isRecord(body['event-data'])) return { ok: false, violations: [{ path: 'event-data', message: 'a Mailgun webhook body: {"signature": {...}, "event-data": {...}}' }] };
    const e = body['event-data'];
    const name = e['event'];
    if (typeof name !== 'string') return { ok: true, value: { events: [], skipped: [{ reason: 'malformed', detail: 'no event name' }] } };
    const kind = Object.hasOwn(KINDS, name) ? KINDS[name] : undefined;
    if (!kind) return { ok: true, value: { events: [], skipped: [{ reason: 'ignored_type', detail: `${name.slice(0, 50)}: not mapped` }] } };
    const id = idOf(e['id']);
    const at = isoFromEpochSeconds(e['timestamp']);
    if (!id || !at) return { ok: true, value: { events: [], skipped: [{ reason: 'malformed', detail: `${name}: ${id ? 'no timestamp in epoch seconds' : 'no id'}` }] } };
    return { ok: true, value: { events: [eventOf(e, kind, id, at)], skipped: [] } };
  },
};

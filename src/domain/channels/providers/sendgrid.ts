// SendGrid's Event Webhook: a JSON array of events, each with the sender's custom args as top-level fields
// (docs/channels.md has the mapping table and the settings).
import { classifyClick, classifyOpen } from '../machine-rules.ts';
import { isTrackableUrl } from '../trackable-url.ts';
import type { EmailEventKind, EmailProviderAdapter, ProviderEmailEvent, SkippedEvent } from './email-provider.ts';
import { idOf, isoFromEpochSeconds, isRecord, journeyVariables, textOf, type Fields } from './provider-fields.ts';

const KINDS: Readonly<Record<string, EmailEventKind>> = {
  processed: 'sent',
  delivered: 'delivered',
  open: 'opened',
  click: 'clicked',
  bounce: 'bounced',
  dropped: 'bounced',
  spamreport: 'complained',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
  group_resubscribe: 'resubscribed',
};

/**
 * `deferred` is a delivery SendGrid will retry: the outcome (delivered or bounce) comes later. Account events
 * (`account_status_change`) concern no message.
 */
const IGNORED = new Set(['deferred', 'account_status_change']);

/** Drops for an address SendGrid knows cannot receive mail are as final as a bounce; other drops (over quota, unsubscribed) are not about the address. */
const ADDRESS_DROPS = /^(bounced address|invalid)/i;

const bounceOf = (e: Fields): Pick<ProviderEmailEvent, 'bounceType' | 'reason'> => {
  const reason = textOf(e['reason'], 1000);
  // `type: blocked` is a temporary refusal by the receiving server (reputation, content); `bounce` (or none) is permanent.
  if (e['event'] === 'dropped') return { bounceType: ADDRESS_DROPS.test(reason ?? '') ? 'hard' : 'soft', reason };
  return { bounceType: e['type'] === 'blocked' ? 'soft' : 'hard', reason };
};

const eventOf = (e: Fields, kind: EmailEventKind, providerEventId: string, occurredAt: string): ProviderEmailEvent => {
  const { guid, messageId } = journeyVariables(e);
  const userAgent = typeof e['useragent'] === 'string' ? e['useragent'] : null;
  const base: ProviderEmailEvent = {
    provider: 'sendgrid',
    providerEventId,
    providerEvent: String(e['event']),
    kind,
    occurredAt,
    guid,
    messageId,
    providerMessageId: idOf(e['sg_message_id']),
    recipient: textOf(e['email'], 254),
  };
  switch (kind) {
    case 'opened':
      // SendGrid's own verdict first: Apple Mail Privacy Protection and other prefetching proxies.
      return { ...base, machine: classifyOpen({ userAgent, providerFlag: e['sg_machine_open'] === true ? 'sendgrid_machine_open' : null }) };
    case 'clicked': {
      const url = typeof e['url'] === 'string' && isTrackableUrl(e['url']) ? e['url'] : null;
      return { ...base, url, machine: classifyClick({ userAgent, method: 'GET', sentAtMs: null, nowMs: Date.parse(occurredAt) }) };
    }
    case 'bounced':
      return { ...base, ...bounceOf(e) };
    case 'unsubscribed':
    case 'resubscribed':
      return { ...base, listId: idOf(e['asm_group_id']) };
    default:
      return base;
  }
};

export const sendgridAdapter: EmailProviderAdapter = {
  name: 'sendgrid',
  parse(body) {
    if (!Array.isArray(body)) return { ok: false, violations: [{ path: '(body)', message: 'a JSON array of SendGrid events' }] };
    const events: ProviderEmailEvent[] = [];
    const skipped: SkippedEvent[] = [];
    body.forEach((e: unknown) => {
      if (!isRecord(e)) return skipped.push({ reason: 'malformed', detail: 'not an object' });
      const name = e['event'];
      if (typeof name !== 'string') return skipped.push({ reason: 'malformed', detail: 'no event name' });
      const kind = Object.hasOwn(KINDS, name) ? KINDS[name] : undefined;
      if (!kind) return skipped.push({ reason: 'ignored_type', detail: IGNORED.has(name) ? `${name}: not mapped` : `${name.slice(0, 50)}: unknown event type` });
      const id = idOf(e['sg_event_id']);
      if (!id) return skipped.push({ reason: 'malformed', detail: `${name}: no sg_event_id` });
      const at = isoFromEpochSeconds(e['timestamp']);
      if (!at) return skipped.push({ reason: 'malformed', detail: `${name}: no timestamp in epoch seconds` });
      events.push(eventOf(e, kind, id, at));
    });
    return { ok: true, value: { events, skipped } };
  },
};

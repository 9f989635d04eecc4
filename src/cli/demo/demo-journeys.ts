// Realistic synthetic outreach journeys (seeded): channel mixes, delays, drop-offs, appointments, revenue.
import type { Channel } from '../../domain/shared/channels.ts';

export interface DemoEvent {
  event_type: string;
  channel: Channel;
  occurred_at: string;
  actor: { type: 'system' | 'bot' | 'human' | 'customer'; id?: string };
  details: Record<string, unknown>;
}

export interface DemoJourney {
  vin: string;
  dealer_code: string;
  customer_id: string;
  risk_event: { component_code: string; severity: string; risk_score: number; timestamp: string; failure_probability: number };
  created_at: Date;
  events: DemoEvent[];
}

/** mulberry32: small, fast and good enough for fixtures; the same seed gives the same data. */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const COMPONENTS = ['BAT', 'BRK', 'ENG', 'TRN', 'SUS', 'EVB', 'STR', 'COO'];
const SEVERITIES = [['CRITICAL', 0.1], ['HIGH', 0.3], ['MODERATE', 0.4], ['LOW', 0.2]] as const;
const DEALERS = ['DET001', 'DET002', 'CHI014', 'NYC007', 'LAX021', 'DAL003', 'SEA009', 'MIA011'];
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const HOUR = 3_600_000;

export const demoJourney = (rnd: () => number, index: number, start: Date): DemoJourney => {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const weighted = <T>(xs: readonly (readonly [T, number])[]): T => {
    let r = rnd();
    for (const [x, w] of xs) if ((r -= w) < 0) return x;
    return xs.at(-1)![0];
  };
  const severity = weighted(SEVERITIES);
  const created = new Date(start.getTime() + Math.floor(rnd() * 30 * 24 * HOUR));
  let t = created.getTime() + Math.floor(rnd() * 2 * HOUR);
  const events: DemoEvent[] = [];
  const at = (delayHours: number) => {
    t += Math.floor((0.2 + rnd()) * delayHours * HOUR);
    return new Date(t).toISOString();
  };
  const push = (event_type: string, channel: Channel, actor: DemoEvent['actor'], details: Record<string, unknown> = {}, delay = 4) =>
    events.push({ event_type, channel, occurred_at: at(delay), actor, details });

  push('QUEUED', 'SYSTEM', { type: 'system' }, {}, 0.5);
  // Urgent risks get more attempts, sooner; each attempt may draw a response.
  const attempts = severity === 'CRITICAL' ? 4 : severity === 'HIGH' ? 3 : 2;
  const responsiveness = severity === 'CRITICAL' ? 0.55 : severity === 'HIGH' ? 0.45 : 0.3;
  let engaged = false;
  for (let i = 0; i < attempts && !engaged; i++) {
    const channel = pick<Channel>(['EMAIL', 'EMAIL', 'SMS', 'SMS', 'PHONE']);
    const message_id = `m-${index}-${i}`;
    if (channel === 'EMAIL') {
      push('EMAIL_SENT', 'EMAIL', { type: 'system' }, { message_id, template_id: 'risk-alert' }, i === 0 ? 1 : 24);
      if (rnd() < 0.6) push('EMAIL_OPENED', 'EMAIL', { type: 'customer' }, { message_id }, 6);
      if (rnd() < responsiveness) {
        push('EMAIL_CLICKED', 'EMAIL', { type: 'customer' }, { message_id, link_id: 'book' }, 1);
        engaged = true;
      }
    } else if (channel === 'SMS') {
      push('SMS_SENT', 'SMS', { type: 'system' }, { message_id, segments: 1 }, i === 0 ? 1 : 24);
      if (rnd() < responsiveness) {
        push(rnd() < 0.5 ? 'SMS_CLICKED' : 'SMS_RECEIVED', 'SMS', { type: 'customer' }, { message_id }, 2);
        engaged = true;
      }
    } else {
      const agent = `agent-${1 + Math.floor(rnd() * 20)}`;
      push('CALL_INITIATED', 'PHONE', { type: 'human', id: agent }, { agent_id: agent }, i === 0 ? 2 : 24);
      const connected = rnd() < responsiveness + 0.1;
      push('CALL_COMPLETED', 'PHONE', { type: 'human', id: agent }, { outcome: connected ? 'connected' : pick(['voicemail', 'no_answer', 'busy']), duration_seconds: connected ? Math.floor(60 + rnd() * 400) : Math.floor(rnd() * 40), agent_id: agent }, 0.1);
      engaged = connected;
    }
  }
  if (!engaged) {
    push('ABANDONED', 'SYSTEM', { type: 'system' }, {}, 72);
  } else {
    const user = `dealer-user-${1 + Math.floor(rnd() * 10)}`;
    push('PORTAL_SESSION_START', 'PORTAL', { type: 'human', id: user }, {}, 3);
    push('PORTAL_VIEW_LEAD', 'PORTAL', { type: 'human', id: user }, {}, 0.05);
    if (rnd() < 0.75) {
      const appointment_id = `apt-${index}`;
      push('PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', { type: 'human', id: user }, { appointment_id, service_type: 'recall-inspection' }, 0.2);
      if (rnd() < 0.85) {
        push('ARRIVED', 'PORTAL', { type: 'human', id: user }, { appointment_id }, 96);
        const revenue = Math.round((80 + rnd() * 1400) * 100) / 100;
        push('SERVICED', 'PORTAL', { type: 'human', id: user }, { revenue, repair_order_id: `ro-${index}` }, 4);
        push('CLOSED', 'SYSTEM', { type: 'system' }, {}, 24);
      } else push('ABANDONED', 'SYSTEM', { type: 'system' }, {}, 120);
    } else push('PORTAL_ADD_NOTE', 'PORTAL', { type: 'human', id: user }, { note_length: Math.floor(rnd() * 300) }, 0.1);
  }
  const vin = Array.from({ length: 17 }, () => pick([...VIN_CHARS])).join('');
  return {
    vin,
    dealer_code: pick(DEALERS),
    customer_id: `cust-${index}`,
    risk_event: {
      component_code: pick(COMPONENTS),
      severity,
      risk_score: Math.round(rnd() * 1000) / 10,
      timestamp: new Date(created.getTime() - Math.floor(rnd() * HOUR)).toISOString(),
      failure_probability: Math.round(rnd() * 1000) / 1000,
    },
    created_at: created,
    events,
  };
};

// The two journey kinds of ARCHITECTURE.md §5, as data read by the generic journey decider.
import type { JourneyDefinition, JourneyKind } from './journey-definition.ts';

const forwardFrom = (progress: readonly string[], extra: Record<string, readonly string[]>) =>
  Object.fromEntries(progress.map((s, i) => [s, [...progress.slice(i + 1), ...(extra[s] ?? [])]]));

const OUTREACH_PROGRESS = ['CREATED', 'QUEUED', 'CONTACTED', 'ENGAGED', 'SCHEDULED', 'ARRIVED', 'SERVICED', 'CLOSED'];

/** Risk-driven outreach: forward only, skipping allowed; a cancelled appointment returns to ENGAGED. */
export const outreach: JourneyDefinition = {
  kind: 'outreach',
  initial: 'CREATED',
  progress: OUTREACH_PROGRESS,
  sideStates: ['ABANDONED'],
  terminal: ['CLOSED'],
  allowed: {
    ...forwardFrom(OUTREACH_PROGRESS, {
      CREATED: ['ABANDONED'],
      QUEUED: ['ABANDONED'],
      CONTACTED: ['ABANDONED'],
      ENGAGED: ['ABANDONED'],
      SCHEDULED: ['ENGAGED', 'ABANDONED'],
    }),
    // A customer response revives an abandoned journey (an opt-out reply is no response).
    ABANDONED: ['ENGAGED', 'SCHEDULED', 'ARRIVED', 'SERVICED', 'CLOSED'],
  },
  implied: [
    { eventType: 'EMAIL_SENT', to: 'CONTACTED' },
    { eventType: 'SMS_SENT', to: 'CONTACTED' },
    { eventType: 'CALL_INITIATED', to: 'CONTACTED' },
    { eventType: 'PORTAL_CALL_CUSTOMER', to: 'CONTACTED' },
    { eventType: 'MESSAGE_SENT', to: 'CONTACTED' },
    { eventType: 'EMAIL_CLICKED', to: 'ENGAGED' },
    { eventType: 'SMS_CLICKED', to: 'ENGAGED' },
    { eventType: 'SMS_RECEIVED', to: 'ENGAGED', unlessOptOut: true },
    { eventType: 'MESSAGE_RECEIVED', to: 'ENGAGED', unlessOptOut: true },
    { eventType: 'WEBVIEW_OPENED', to: 'ENGAGED' },
    { eventType: 'CALL_COMPLETED', to: 'ENGAGED', when: { field: 'outcome', in: ['connected', 'appointment_scheduled'] } },
    { eventType: 'PORTAL_SCHEDULE_APPOINTMENT', to: 'SCHEDULED' },
    { eventType: 'APPOINTMENT_CANCELLED', to: 'ENGAGED', from: ['SCHEDULED'] },
  ],
  conversionState: 'SCHEDULED',
  convertedStates: ['SCHEDULED', 'ARRIVED', 'SERVICED'],
};

const CONVERSATION_PROGRESS = ['INBOUND_QUEUE', 'BOT_SESSION', 'PENDING_AGENT', 'HUMAN_ASSISTANCE', 'RESOLVED', 'CLOSED'];

/** Messaging support and sales: bot first, escalation to a human team, hand-overs, reopen, expiry. */
export const conversation: JourneyDefinition = {
  kind: 'conversation',
  initial: 'INBOUND_QUEUE',
  progress: CONVERSATION_PROGRESS,
  sideStates: ['EXPIRED'],
  terminal: ['CLOSED'],
  allowed: {
    INBOUND_QUEUE: ['BOT_SESSION', 'PENDING_AGENT', 'HUMAN_ASSISTANCE', 'RESOLVED', 'EXPIRED', 'CLOSED'],
    BOT_SESSION: ['PENDING_AGENT', 'HUMAN_ASSISTANCE', 'RESOLVED', 'EXPIRED', 'CLOSED'],
    PENDING_AGENT: ['HUMAN_ASSISTANCE', 'RESOLVED', 'EXPIRED', 'CLOSED'],
    HUMAN_ASSISTANCE: ['PENDING_AGENT', 'RESOLVED', 'EXPIRED', 'CLOSED'],
    RESOLVED: ['INBOUND_QUEUE', 'CLOSED'],
    EXPIRED: ['INBOUND_QUEUE', 'CLOSED'],
  },
  implied: [
    { eventType: 'BOT_SESSION_STARTED', to: 'BOT_SESSION' },
    { eventType: 'ESCALATION_REQUESTED', to: 'PENDING_AGENT' },
    { eventType: 'AGENT_ASSIGNED', to: 'HUMAN_ASSISTANCE' },
    { eventType: 'HANDOVER', to: 'PENDING_AGENT', from: ['HUMAN_ASSISTANCE'] },
    { eventType: 'AGENT_UNASSIGNED', to: 'PENDING_AGENT', from: ['HUMAN_ASSISTANCE'] },
    { eventType: 'CONVERSATION_RESOLVED', to: 'RESOLVED' },
    { eventType: 'SESSION_EXPIRED', to: 'EXPIRED' },
    { eventType: 'MESSAGE_RECEIVED', to: 'INBOUND_QUEUE', from: ['RESOLVED', 'EXPIRED'], unlessOptOut: true },
  ],
  conversionState: 'RESOLVED',
  convertedStates: ['RESOLVED'],
};

export const JOURNEY_KINDS: Readonly<Record<JourneyKind, JourneyDefinition>> = { outreach, conversation };

// Who the demo conversations involve: dealers, a contact centre's teams and agents, categories, platforms, web views.

/** The demo dealers share one time zone, so a heatmap in it shows the demand pattern undistorted. */
export const DEMO_TIME_ZONE = 'America/New_York';
export const DEMO_DEALERS = ['DET001', 'DET002', 'NYC007', 'BOS005', 'ATL004', 'MIA011'] as const;

export type Team = 'service' | 'sales' | 'parts' | 'warranty';

export interface Agent {
  id: string;
  team: Team;
  /** Multiplies the agent's response times: agents differ, and the agent report should show it. */
  pace: number;
}

const agents = (team: Team, names: readonly (readonly [string, number])[]): Agent[] => names.map(([name, pace]) => ({ id: `${team}-${name}`, team, pace }));

export const AGENTS: Readonly<Record<Team, readonly Agent[]>> = {
  service: agents('service', [['ana', 0.8], ['ben', 1], ['chloe', 1.3], ['dev', 0.9], ['emma', 1.1], ['farid', 1.6]]),
  sales: agents('sales', [['gina', 0.7], ['hugo', 1], ['ivan', 1.2], ['jade', 0.9], ['kofi', 1.4]]),
  parts: agents('parts', [['liam', 1], ['mia', 0.8], ['noah', 1.5]]),
  warranty: agents('warranty', [['olga', 1.1], ['priya', 0.9], ['quinn', 1.3]]),
};

/**
 * Local opening hours per team, [from, to) by day of week (0 = Sunday); an escalation outside them waits for the
 * next opening, which is what makes night-time escalations expire in the queue.
 */
const weekdays = (from: number, to: number, sat: readonly [number, number] | null = null, sun: readonly [number, number] | null = null) => [sun, ...Array.from({ length: 5 }, () => [from, to] as const), sat];
export const OPENING_HOURS: Readonly<Record<Team, readonly (readonly [number, number] | null)[]>> = {
  service: weekdays(7, 21, [8, 16], [10, 14]),
  sales: weekdays(8, 21, [9, 18], [11, 17]),
  parts: weekdays(8, 19, [8, 14]),
  warranty: weekdays(8, 19, [9, 13]),
};

/** Which department a conversation starts in; each department's team answers it. */
export const DEPARTMENTS: readonly (readonly [Team, number])[] = [['service', 0.45], ['sales', 0.25], ['parts', 0.15], ['warranty', 0.15]];

export const QUERY_NATURES: Readonly<Record<Team, readonly (readonly [string, number])[]>> = {
  service: [['book_service', 0.45], ['service_status', 0.2], ['recall', 0.15], ['pricing', 0.2]],
  sales: [['test_drive', 0.3], ['vehicle_availability', 0.3], ['financing', 0.25], ['trade_in', 0.15]],
  parts: [['parts_availability', 0.5], ['order_status', 0.3], ['accessories', 0.2]],
  warranty: [['warranty_claim', 0.55], ['coverage_question', 0.3], ['recall', 0.15]],
};

/** Where a team hands a conversation over to, and why. */
export const HANDOVERS: Readonly<Record<Team, readonly (readonly [Team, number])[]>> = {
  service: [['warranty', 0.4], ['parts', 0.4], ['sales', 0.2]],
  sales: [['service', 0.7], ['parts', 0.3]],
  parts: [['service', 0.6], ['warranty', 0.4]],
  warranty: [['service', 0.8], ['parts', 0.2]],
};
export const HANDOVER_REASONS: Readonly<Record<Team, string>> = {
  service: 'needs a service appointment',
  sales: 'interested in a vehicle',
  parts: 'parts order',
  warranty: 'may be covered under warranty',
};

export const LANGUAGES = [['en', 0.8], ['es', 0.16], ['fr', 0.04]] as const;
export const PRIORITIES = [['low', 0.15], ['normal', 0.65], ['high', 0.15], ['urgent', 0.05]] as const;
export type Platform = 'whatsapp' | 'webchat' | 'sms' | 'messenger';
export const PLATFORMS: readonly (readonly [Platform, number])[] = [['whatsapp', 0.4], ['webchat', 0.3], ['sms', 0.18], ['messenger', 0.12]];
export const BOT_ID = 'assist-bot';
export const ESCALATION_REASONS = [['customer_request', 0.5], ['bot_fallback', 0.35], ['sentiment', 0.15]] as const;

export interface WebviewStep {
  name: string;
  /** Median time on the step, in seconds. */
  medianS: number;
  /** Chance the customer leaves at this step, and chance they ask for a person here instead. */
  drop: number;
  escalate: number;
  /** Why they leave here (the collector's `exit(reason)`, or `page_hidden` when they simply close the page). */
  exits: readonly (readonly [string, number])[];
  /** What the page says when they ask for a person here (`escalate(note)`). */
  note: string;
}

export interface Webview {
  id: string;
  result: string;
  steps: readonly WebviewStep[];
}

// What the collector sends when the page is simply closed or hidden.
const closed = ['page_hidden', 0.45] as const;
export const WEBVIEWS: Readonly<Record<string, Webview>> = {
  'book-service': {
    id: 'book-service',
    result: 'booked',
    steps: [
      { name: 'vehicle', medianS: 25, drop: 0.08, escalate: 0.02, exits: [closed, ['vehicle_not_listed', 0.55]], note: 'my car is not in the list' },
      { name: 'date', medianS: 20, drop: 0.1, escalate: 0.02, exits: [closed, ['no_suitable_date', 0.55]], note: 'I need it done sooner' },
      { name: 'slot', medianS: 45, drop: 0.22, escalate: 0.08, exits: [closed, ['no_convenient_slot', 0.55]], note: 'no slot this week' },
      { name: 'confirm', medianS: 15, drop: 0.07, escalate: 0.03, exits: [closed, ['price_unclear', 0.55]], note: 'question about the price' },
    ],
  },
  'warranty-claim': {
    id: 'warranty-claim',
    result: 'claim_submitted',
    steps: [
      { name: 'vehicle', medianS: 30, drop: 0.06, escalate: 0.02, exits: [closed, ['vehicle_not_listed', 0.55]], note: 'my car is not in the list' },
      { name: 'symptoms', medianS: 90, drop: 0.12, escalate: 0.1, exits: [closed, ['unsure_what_to_choose', 0.55]], note: 'not sure what is wrong' },
      { name: 'photos', medianS: 150, drop: 0.28, escalate: 0.04, exits: [closed, ['upload_failed', 0.55]], note: 'the photos will not upload' },
      { name: 'review', medianS: 40, drop: 0.06, escalate: 0.05, exits: [closed, ['coverage_unclear', 0.55]], note: 'is this covered?' },
    ],
  },
};

/** The query natures a self-service flow serves, and how often the bot offers it. */
export const WEBVIEW_FOR: Readonly<Record<string, readonly [string, number]>> = {
  book_service: ['book-service', 0.7],
  recall: ['book-service', 0.35],
  warranty_claim: ['warranty-claim', 0.7],
};

// The shape of a journey kind as data (states, allowed moves, implied moves) and the rules that read it.
export type JourneyKind = 'outreach' | 'conversation';

/** An event type that implies a state change when it is logged. */
export interface ImpliedTransition {
  eventType: string;
  to: string;
  /** Only from these states; such a rule may move the state against the progress order (e.g. a cancellation). */
  from?: readonly string[];
  /** Only when `details[field]` is one of `in`. */
  when?: { field: string; in: readonly string[] };
  /** Not when the event is an opt-out reply (STOP is not engagement). */
  unlessOptOut?: boolean;
}

export interface JourneyDefinition {
  kind: JourneyKind;
  initial: string;
  /** States in progress order; a state missing here (a side state such as ABANDONED) has no rank. */
  progress: readonly string[];
  sideStates: readonly string[];
  terminal: readonly string[];
  /** from -> the states an explicit transition may go to. */
  allowed: Readonly<Record<string, readonly string[]>>;
  implied: readonly ImpliedTransition[];
  /** The state whose entry counts as the journey's conversion. */
  conversionState: string;
  /**
   * States that mean the journey has converted: the conversion state and the ones only a converted journey can
   * reach (an outreach journey may skip SCHEDULED and arrive). The first entry into any of them is the conversion.
   */
  convertedStates: readonly string[];
}

/** The facts about one event that the lifecycle rules read. */
export interface LifecycleInput {
  eventType: string;
  details: Readonly<Record<string, unknown>>;
  optOut: boolean;
}

export const allStates = (d: JourneyDefinition): string[] => [...d.progress, ...d.sideStates];

export const isState = (d: JourneyDefinition, state: string): boolean => allStates(d).includes(state);

export const canTransition = (d: JourneyDefinition, from: string, to: string): boolean =>
  !d.terminal.includes(from) && (d.allowed[from] ?? []).includes(to);

const rank = (d: JourneyDefinition, state: string): number | undefined => {
  const i = d.progress.indexOf(state);
  return i < 0 ? undefined : i;
};

/** True when moving from -> to does not go back in the progress order (side states have no order). */
export const isForward = (d: JourneyDefinition, from: string, to: string): boolean => {
  const a = rank(d, from);
  const b = rank(d, to);
  return a === undefined || b === undefined || b > a;
};

/** The rules an event type is subject to; lifecycle event types named like a state imply that state. */
export const rulesFor = (d: JourneyDefinition, eventType: string): ImpliedTransition[] => {
  const rules: ImpliedTransition[] = d.implied.filter((r) => r.eventType === eventType);
  if (isState(d, eventType) && eventType !== d.initial) rules.push({ eventType, to: eventType });
  return rules;
};

/**
 * Where an event type sits when events share a timestamp: the rank of the earliest state it can imply (side states
 * after every progress state), so that a batch sent without times still reads as sent → clicked → scheduled.
 * Undefined when the type implies nothing: such an event is no lifecycle fact at all.
 */
export const lifecycleRank = (d: JourneyDefinition, eventType: string): number | undefined => {
  const rules = rulesFor(d, eventType);
  if (rules.length === 0) return undefined;
  return Math.min(...rules.map((r) => rank(d, r.to) ?? d.progress.length));
};

/** The `details` fields any rule of this event type reads (kept with a lifecycle fact; the rest is not needed). */
export const fieldsRead = (d: JourneyDefinition, eventType: string): string[] =>
  rulesFor(d, eventType).flatMap((r) => (r.when ? [r.when.field] : []));

/**
 * The state an event implies from `current`, or undefined. An implied move must be allowed and go forward,
 * unless its rule names `from` explicitly.
 */
export const impliedTarget = (d: JourneyDefinition, current: string, e: LifecycleInput): string | undefined => {
  for (const rule of rulesFor(d, e.eventType)) {
    if (rule.when && !rule.when.in.includes(String(e.details[rule.when.field]))) continue;
    if (rule.unlessOptOut && e.optOut) continue;
    if (rule.to === current || !canTransition(d, current, rule.to)) continue;
    if (rule.from ? rule.from.includes(current) : isForward(d, current, rule.to)) return rule.to;
  }
  return undefined;
};

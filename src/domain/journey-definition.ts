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

/**
 * The state an event implies from `current`, or undefined. Lifecycle event types named like a state imply
 * that state. An implied move must be allowed and go forward, unless its rule names `from` explicitly.
 */
export const impliedTarget = (
  d: JourneyDefinition,
  current: string,
  eventType: string,
  details: Readonly<Record<string, unknown>>,
): string | undefined => {
  const rules: ImpliedTransition[] = d.implied.filter((r) => r.eventType === eventType);
  if (isState(d, eventType) && eventType !== d.initial) rules.push({ eventType, to: eventType });
  for (const rule of rules) {
    if (rule.when && !rule.when.in.includes(String(details[rule.when.field]))) continue;
    if (rule.to === current || !canTransition(d, current, rule.to)) continue;
    if (rule.from ? rule.from.includes(current) : isForward(d, current, rule.to)) return rule.to;
  }
  return undefined;
};

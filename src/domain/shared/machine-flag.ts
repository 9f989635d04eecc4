// Machine engagement: opens and clicks made by software (privacy proxies, security scanners, link previews) rather
// than by the customer. They are stored with the flag and its reason, and are no touch: they imply no state and are
// left out of attribution, response rates and insights (docs/channels.md lists the rules that set the flag).
export interface MachineFlag {
  flag: boolean;
  /** Why it was flagged (the rule that fired), null for a human. */
  reason: string | null;
}

export const HUMAN: MachineFlag = { flag: false, reason: null };

/** True when an event's details say a machine did it (`machine: {flag: true}`; `machine: true` from older clients). */
export const isMachineFlagged = (details: Readonly<Record<string, unknown>>): boolean => {
  const m = details['machine'];
  return m === true || (typeof m === 'object' && m !== null && (m as { flag?: unknown }).flag === true);
};

// Subjects of the live envelopes: `<prefix>.<dealer or _>.<event type>`, where the dots of an event type
// (`journey.state_changed`) make it two tokens, so consumers can filter with `threadline.*.journey.>`.

/** A subject token as brokers accept it: no dots, wildcards or spaces; anything else becomes `_`. */
const token = (raw: string): string => raw.replace(/[^A-Za-z0-9_-]/g, '_') || '_';

export const liveSubject = (prefix: string, dealerCode: string | null, eventType: string): string =>
  [prefix, token(dealerCode ?? ''), ...eventType.split('.').map(token)].join('.');

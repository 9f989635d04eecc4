// One record of the audit trail: when, where, who and what, for every authenticated request, auth failure, key
// change, export and admin action. Never a secret; text is escaped so that a record cannot forge another line.

export interface AuditEntry {
  /** ISO time the request ended (or the action happened). */
  at: string;
  /** `http` for a request, `cli` for a command-line action. */
  source: 'http' | 'cli';
  /** The route as declared (`POST /api/v2/tracking/log-event`), or the CLI action (`keys create`). */
  action: string;
  request_id: string | null;
  /** Who: a key's id and display prefix, `admin`, or a token's subject; null when authentication failed. */
  actor: { id: string; label: string; role: string; via: string } | null;
  ip: string | null;
  /** The GUIDs or other objects (key ids, export ranges) the request touched. */
  objects: string[];
  /** `ok`, `denied` (401/403/404 by isolation), `rejected` (4xx), `failed` (5xx). */
  result: 'ok' | 'denied' | 'rejected' | 'failed';
  status: number | null;
  /** Why it was denied or rejected (a problem code), or what an admin action did. */
  reason: string | null;
}

/** Control characters (CR, LF, ESC, ...) written as \uXXXX, so that a record is always one line of text. */
export const escapeControl = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export const resultOf = (status: number): AuditEntry['result'] =>
  status < 400 ? 'ok' : status === 401 || status === 403 || status === 404 ? 'denied' : status < 500 ? 'rejected' : 'failed';

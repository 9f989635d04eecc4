// Journey GUIDs: PREFIX-YYYY-MM-DD-CCC-SSS-DEALER-XXXXXX. No PII; parsed by pattern, never by splitting on '-'.
import type { Channel } from '../shared/channels.ts';

export const SEVERITY_CODES = { CRITICAL: 'CRT', HIGH: 'HIG', MODERATE: 'MOD', LOW: 'LOW' } as const;
export type Severity = keyof typeof SEVERITY_CODES;

/** Conversation journeys have no risk event: CNV in the component slot, their channel's code in the severity slot. */
export const CONVERSATION_COMPONENT = 'CNV';
export const CONVERSATION_CHANNEL_CODES = { CHAT: 'CHT', SMS: 'SMS', EMAIL: 'EML', PHONE: 'PHN', WEBVIEW: 'WEB', PORTAL: 'PRT', SYSTEM: 'SYS' } as const satisfies Record<Channel, string>;

/** The company prefix: what THREADLINE_GUID_PREFIX must look like. */
export const PREFIX_PATTERN = /^[A-Z][A-Z0-9]{0,15}$/;
const GUID_PATTERN = /^([A-Z][A-Z0-9]{0,15})-(\d{4}-\d{2}-\d{2})-([A-Z0-9]{3})-([A-Z]{3})-([A-Z0-9]{1,16})-([0-9A-F]{6})$/;

export interface GuidParts {
  prefix: string;
  date: string;
  component: string;
  code: string;
  dealer: string;
  random: string;
}

export const severityCode = (severity: string): string | undefined =>
  (SEVERITY_CODES as Record<string, string>)[severity.toUpperCase()];

/** `randomHex` must come from a CSPRNG; the caller (which may do I/O) supplies it. */
export const formatGuid = (p: GuidParts): string =>
  `${p.prefix}-${p.date}-${p.component}-${p.code}-${p.dealer}-${p.random}`;

export const parseGuid = (guid: string): GuidParts | undefined => {
  const m = GUID_PATTERN.exec(guid);
  if (!m) return undefined;
  const [, prefix, date, component, code, dealer, random] = m as unknown as [string, string, string, string, string, string, string];
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    return undefined;
  }
  return { prefix, date, component, code, dealer, random };
};

export const isGuid = (guid: string): boolean => parseGuid(guid) !== undefined;

/** UTC calendar date of an instant, as YYYY-MM-DD. */
export const utcDate = (iso: string): string => new Date(iso).toISOString().slice(0, 10);

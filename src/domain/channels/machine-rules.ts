// The rules that tell a machine's open or click from a customer's (docs/channels.md lists them with their reasons).
// Pure: the caller gathers the request's facts (user agent, method, times, what else the message saw).
import { HUMAN, type MachineFlag } from '../shared/machine-flag.ts';

/** A click this soon after the message was prepared is a scanner's: nobody reads and clicks in under two seconds. */
export const TOO_SOON_AFTER_SEND_MS = 2000;
/** Every link of a message clicked within this window is a scanner walking the message. */
export const ALL_LINKS_WINDOW_MS = 5000;

/** Image proxies and privacy relays fetch the pixel for the reader, whether or not anyone read the message. */
const IMAGE_PROXIES: readonly [RegExp, string][] = [
  [/GoogleImageProxy|ggpht\.com/i, 'image_proxy:gmail'],
  [/YahooMailProxy/i, 'image_proxy:yahoo'],
  // Outlook's mobile apps fetch images through Microsoft's service; desktop Outlook fetches only when the reader asks.
  [/Outlook-iOS-Android/i, 'image_proxy:outlook'],
];

/** Security scanners, link checkers, preview bots and scripted clients. */
const SCANNERS: readonly [RegExp, string][] = [
  [/Barracuda|Mimecast|Proofpoint|urldefense|SafeLinks|Symantec|Forcepoint|Trend ?Micro|Sophos|Cisco|IronPort|FireEye|Zscaler|Check ?Point/i, 'security_scanner'],
  [/facebookexternalhit|Slackbot|Twitterbot|LinkedInBot|WhatsApp|TelegramBot|Discordbot|SkypeUriPreview|Applebot|redditbot|Iframely|Embedly/i, 'link_preview'],
  [/HeadlessChrome|PhantomJS|python-requests|python-urllib|curl\/|Wget|Go-http-client|okhttp|Java\/|libwww-perl|axios\/|node-fetch|undici/i, 'scripted_client'],
  [/bot\b|crawler|spider|slurp|monitor/i, 'bot_user_agent'],
];

export interface OpenFacts {
  userAgent: string | null;
  /** A HEAD for the pixel checks it exists; no mail client shows an image that way. Absent: GET. */
  method?: string;
  /** The provider's own verdict (SendGrid `sg_machine_open`, Mailgun `client-info.bot`), when it sends one. */
  providerFlag?: string | null;
}

export interface ClickFacts {
  userAgent: string | null;
  method: string;
  /** When the message was prepared (epoch ms), from the token. */
  sentAtMs: number | null;
  nowMs: number;
  /** How many links the message has, and how many distinct ones were clicked within ALL_LINKS_WINDOW_MS, this one included. */
  linksInMessage?: number;
  distinctLinksClickedRecently?: number;
  providerFlag?: string | null;
}

const match = (ua: string, rules: readonly [RegExp, string][]): string | null => rules.find(([re]) => re.test(ua))?.[1] ?? null;

const flagged = (reason: string): MachineFlag => ({ flag: true, reason });

/** Apple Mail Privacy Protection fetches every pixel through Apple's proxy with a bare `Mozilla/5.0` user agent. */
const isAppleMpp = (ua: string): boolean => ua.trim() === 'Mozilla/5.0';

export const classifyOpen = (f: OpenFacts): MachineFlag => {
  if (f.providerFlag) return flagged(`provider:${f.providerFlag}`);
  if (f.method?.toUpperCase() === 'HEAD') return flagged('head_request');
  const ua = f.userAgent?.trim() ?? '';
  if (ua === '') return flagged('no_user_agent');
  if (isAppleMpp(ua)) return flagged('apple_mail_privacy_protection');
  const proxy = match(ua, IMAGE_PROXIES);
  if (proxy) return flagged(proxy);
  const scanner = match(ua, SCANNERS);
  return scanner ? flagged(scanner) : HUMAN;
};

export const classifyClick = (f: ClickFacts): MachineFlag => {
  if (f.providerFlag) return flagged(`provider:${f.providerFlag}`);
  if (f.method.toUpperCase() === 'HEAD') return flagged('head_request');
  const ua = f.userAgent?.trim() ?? '';
  if (ua === '') return flagged('no_user_agent');
  const scanner = match(ua, SCANNERS);
  if (scanner) return flagged(scanner);
  if (f.sentAtMs !== null && f.nowMs - f.sentAtMs >= 0 && f.nowMs - f.sentAtMs < TOO_SOON_AFTER_SEND_MS) return flagged('too_soon_after_send');
  if (f.linksInMessage !== undefined && f.linksInMessage > 1 && (f.distinctLinksClickedRecently ?? 0) >= f.linksInMessage) return flagged('every_link_clicked_at_once');
  return HUMAN;
};

// One webhook attempt as the Standard Webhooks spec has it: the envelope's JSON text POSTed verbatim, signed with
// every secret in force, no redirect followed, 15 s at most, to an address checked at send time and at connect time.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { checkDestination, safeLookup, systemResolver, type Resolver } from './ssrf.ts';

export const WEBHOOK_USER_AGENT = 'Threadline-Webhooks/1';
export const WEBHOOK_TIMEOUT_MS = 15_000;
const EXCERPT_CHARS = 500;
/** Past this much of an answer's body the connection is dropped rather than read (the verdict is the status). */
const MAX_BODY_BYTES = 64 * 1024;

export interface OutgoingWebhook {
  url: string;
  /** The envelope id: the same on every attempt and replay, so receivers deduplicate on it. */
  webhookId: string;
  body: string;
  /** The current secret first, then one being rotated out: each signs, the signatures space-separated. */
  secrets: readonly string[];
  /** The attempt's time (webhook-timestamp). */
  at: Date;
}

export type SendResult =
  | { kind: 'response'; status: number; retryAfter: string | null; excerpt: string; latencyMs: number }
  | { kind: 'error'; error: string; latencyMs: number };

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  /** Keep-alive agents (a dispatcher reuses connections to each receiver). */
  agents?: { http: http.Agent; https: https.Agent };
  resolver?: Resolver;
}

export const webhookHeaders = (w: Pick<OutgoingWebhook, 'webhookId' | 'body' | 'secrets' | 'at'>): Record<string, string> => ({
  'content-type': 'application/json',
  'webhook-id': w.webhookId,
  'webhook-timestamp': String(Math.floor(w.at.getTime() / 1000)),
  'webhook-signature': w.secrets.map((s) => new Webhook(s).sign(w.webhookId, w.at, w.body)).join(' '),
  'user-agent': WEBHOOK_USER_AGENT,
});

const errorText = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException;
  return e?.code && e.code !== 'ERR_WEBHOOK_DESTINATION_REFUSED' ? e.code : (e?.message ?? String(error));
};

/** Sends one attempt; never throws: a refused destination, a network error or a timeout is an `error` result. */
export const sendWebhook = async (w: OutgoingWebhook, o: SendOptions): Promise<SendResult> => {
  const started = performance.now();
  const latency = () => performance.now() - started;
  const resolver = o.resolver ?? systemResolver;
  // The URL was checked when saved; checked again now (an IP-literal host never reaches the lookup below).
  const check = await checkDestination(w.url, { allowPrivate: o.allowPrivate, lookup: resolver });
  if (!check.ok) return { kind: 'error', error: `destination refused: ${check.reason}`, latencyMs: latency() };
  const secure = check.url.protocol === 'https:';
  const timeoutMs = o.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const body = Buffer.from(w.body);
  return new Promise<SendResult>((resolve) => {
    let done = false;
    const finish = (r: SendResult) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      resolve(r);
    };
    const options: http.RequestOptions = {
      method: 'POST',
      headers: { ...webhookHeaders(w), 'content-length': String(body.length) },
      lookup: safeLookup(o.allowPrivate, resolver),
      agent: o.agents ? (secure ? o.agents.https : o.agents.http) : undefined,
    };
    const req = (secure ? https : http).request(check.url, options, (res) => {
      const status = res.statusCode ?? 0;
      const retryAfter = typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : null;
      let excerpt = '';
      let bytes = 0;
      const answer = () => finish({ kind: 'response', status, retryAfter, excerpt: excerpt.slice(0, EXCERPT_CHARS), latencyMs: latency() });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (excerpt.length < EXCERPT_CHARS) excerpt += chunk.slice(0, EXCERPT_CHARS - excerpt.length);
        bytes += Buffer.byteLength(chunk);
        if (bytes > MAX_BODY_BYTES) {
          answer();
          res.destroy();
        }
      });
      // The status is the verdict: a body cut short after it still counts as the answer.
      res.on('end', answer);
      res.on('close', answer);
      res.on('error', answer);
    });
    const deadline = setTimeout(() => {
      finish({ kind: 'error', error: `timeout: no complete answer within ${timeoutMs} ms`, latencyMs: latency() });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => finish({ kind: 'error', error: errorText(error), latencyMs: latency() }));
    req.end(body);
  });
};

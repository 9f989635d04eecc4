// A real Threadline over real HTTP on a free loopback port, on a fresh store.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { buildApp } from '../../src/api/http/app.ts';
import { openAccess, type AccessOptions, type OpenedAccess } from '../../src/api/access/index.ts';
import { generateKeyPairSync } from 'node:crypto';
import type { AppConfig, ChannelDeps, ChatwootDeps } from '../../src/api/http/deps.ts';
import { appConfigOf } from '../../src/cli/serve.ts';
import { loadConfig } from '../../src/config.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import type { StoreTarget } from './test-stores.ts';

export interface TestApp {
  url: string;
  rt: Runtime;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Sends the admin secret unless `headers` has its own authorization (an empty one sends none). */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  access: OpenedAccess;
  /** Any method with exactly these headers (no admin secret unless given); a string body is sent as it is. */
  request(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The app's options as an unconfigured server has them (the defaults live in src/config.ts only), with overrides. */
export const testAppConfig = (overrides: Partial<AppConfig> = {}): AppConfig => ({
  ...appConfigOf(loadConfig({ THREADLINE_PUBLIC_URL: 'http://localhost' })),
  ...overrides,
});

/** The admin secret every test app accepts; `post` and `get` send it unless told otherwise. */
export const TEST_ADMIN_SECRET = 'test-admin-secret-0123456789abcdef0123456789';
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_SECRET}` };

/** Budgets far above what any functional test sends, unless a test sets its own. */
const ROOMY_BUDGETS = { default: { quota: 1e6, windowMs: 1000 }, guid: { quota: 1e6, windowMs: 1000 }, batch: { quota: 1e6, windowMs: 1000 }, export: { quota: 1e6, windowMs: 1000 } };

/** Functional tests send bursts on purpose; only the backpressure tests shed. */
const ROOMY_IN_FLIGHT = { maxRequests: 100_000, maxEvents: 10_000_000 };

/**
 * The providers' secrets every test app verifies webhooks with: tests sign their requests with these as the providers
 * would (SendGrid signs with the private half of an ECDSA P-256 key; the app holds the public half, base64 DER).
 */
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const TEST_PROVIDERS = {
  twilioAuthToken: 'test-twilio-auth-token-0123456789ab',
  sendgridPrivateKey: sendgridKeys.privateKey,
  sendgridPublicKey: sendgridKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  mailgunSigningKey: 'test-mailgun-signing-key-0123456789',
};

/** Chatwoot's webhook as every test app has it: tests sign deliveries with this secret as Chatwoot would. */
export const TEST_CHATWOOT: ChatwootDeps = { webhookSecret: 'test-chatwoot-webhook-secret-0123456789', urlToken: null, dealerCode: 'DET001' };

export interface TestAppOptions {
  /** App options over the test defaults (e.g. webhookAllowPrivate for tests with local receivers). */
  config?: Partial<AppConfig>;
  /** Channel settings over the test defaults (TEST_PROVIDERS' secrets, the store's channel secret, a 30 min portal TTL). */
  channels?: Partial<ChannelDeps>;
  /** Chatwoot's webhook settings over TEST_CHATWOOT. */
  chatwoot?: Partial<ChatwootDeps>;
  runner?: boolean;
  /** Access options over the test defaults (the admin secret above, roomy budgets, audit flushed every 20 ms). */
  access?: Partial<AccessOptions>;
  /** Work in flight past which requests are shed (default: more than any functional test sends). */
  inFlight?: AppConfig['inFlight'];
}

export const startTestApp = async (target: StoreTarget, options: TestAppOptions = {}): Promise<TestApp> => {
  const { config, cleanup } = await target.create();
  const rt = await openRuntime(config, 'vitest');
  if (options.runner !== false) rt.projections.start();
  const access = await openAccess(rt.store.readModels, {
    adminSecret: TEST_ADMIN_SECRET,
    oauth: null,
    keyCacheTtlMs: 1000,
    rateLimits: ROOMY_BUDGETS,
    rateBackend: config.kind === 'postgres' ? { kind: 'postgres', connectionString: config.connectionString } : { kind: 'memory' },
    auditFlushMs: 20,
    corsOrigins: [],
    ...options.access,
  });
  const app = buildApp({
    store: rt.store,
    db: rt.db,
    projections: rt.projections,
    config: testAppConfig({ readYourWritesTimeoutMs: 10_000, predictionModelMaxAgeMs: 0, validateResponses: true, inFlight: options.inFlight ?? ROOMY_IN_FLIGHT, ...options.config }),
    access,
    channels: {
      secret: rt.channelSecret,
      providers: { twilioAuthToken: TEST_PROVIDERS.twilioAuthToken, sendgridPublicKey: TEST_PROVIDERS.sendgridPublicKey, mailgunSigningKey: TEST_PROVIDERS.mailgunSigningKey },
      portalSessionTtlMs: 30 * 60_000,
      ...options.channels,
    },
    collector: { handoffKey: rt.handoffKey },
    chatwoot: { ...TEST_CHATWOOT, ...options.chatwoot },
    logger: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const parse = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  return {
    url,
    rt,
    access,
    async request(method, path, headers, body) {
      const res = await fetch(url + path, {
        method: method.toUpperCase(),
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: parse(await res.text()), headers: res.headers };
    },
    async post(path, body, headers = {}) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ADMIN, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: parse(await res.text()), headers: res.headers };
    },
    async get(path, headers = {}) {
      const res = await fetch(url + path, { headers: { ...ADMIN, ...headers } });
      const text = await res.text();
      return { status: res.status, body: parse(text), text, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await access.close();
      await rt.close();
      await cleanup();
    },
  };
};

let vinCounter = 0;
/** A valid, unique VIN for each call. */
export const nextVin = () => `1FTFW1ET5D${String(process.pid % 1000).padStart(3, '0')}${String(vinCounter++).padStart(4, '0')}`;

export const riskBody = (overrides: Record<string, unknown> = {}) => ({
  vin: nextVin(),
  dealer_code: 'DET001',
  risk_event: { component_code: 'BAT', severity: 'CRITICAL', risk_score: 87.5, timestamp: '2024-12-07T10:00:00Z' },
  ...overrides,
});

// The one place configuration is read: environment variables parsed by zod, once, at the composition root.
import { resolve } from 'node:path';
import { z } from 'zod';
import { PREFIX_PATTERN } from './domain/guid.ts';

/** A duration: `300ms`, `30s`, `5m`, `2h`, or a number of seconds. */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'a duration such as 500ms, 30s, 5m or 2h')
  .transform((v) => {
    const [, n, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v)!;
    return Math.round(Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(unit ?? 's') as 'ms' | 's' | 'm' | 'h']);
  });

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  THREADLINE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  THREADLINE_GUID_PREFIX: z.string().regex(PREFIX_PATTERN, 'uppercase letters and digits, starting with a letter').default('FORD'),
  THREADLINE_PUBLIC_URL: z.string().url().optional(),
  THREADLINE_BODY_LIMIT: z.string().default('1mb'),
  THREADLINE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  THREADLINE_MAX_FUTURE_SKEW: duration.default(5 * 60_000),
  THREADLINE_SHUTDOWN_GRACE: duration.default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  store: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; connectionString: string; poolSize: number };
  guidPrefix: string;
  publicUrl: string;
  bodyLimit: string;
  /** How far ahead of the server's clock an event time may be. */
  maxFutureSkewMs: number;
  /** How long a stopping server waits for in-flight requests before it closes their connections. */
  shutdownGraceMs: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
}

export class ConfigError extends Error {}

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  // An empty variable means unset (as `DATABASE_URL= npm start` suggests).
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    store: c.DATABASE_URL
      ? { kind: 'postgres', connectionString: c.DATABASE_URL, poolSize: c.THREADLINE_POOL_SIZE }
      : { kind: 'pglite', dataDir: resolve(c.THREADLINE_DATA_DIR) },
    guidPrefix: c.THREADLINE_GUID_PREFIX,
    publicUrl: (c.THREADLINE_PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    bodyLimit: c.THREADLINE_BODY_LIMIT,
    maxFutureSkewMs: c.THREADLINE_MAX_FUTURE_SKEW,
    shutdownGraceMs: c.THREADLINE_SHUTDOWN_GRACE,
    logLevel: c.LOG_LEVEL,
  };
};

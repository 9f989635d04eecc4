// A route, declared once as data: method, path, request and response schemas, the problems it may answer, its
// scope and rate-limit class. The request pipeline and the OpenAPI document are both made from these declarations.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { toViolations, type Parsed } from '../../domain/shared/violation.ts';
import type { Principal, Scope } from '../../domain/access/index.ts';
import type { ErrorCode } from '../../domain/shared/errors.ts';
import type { GroupCommit } from '../../application/journeys/index.ts';
import type { AppConfig, AppDeps } from './deps.ts';
import type { InFlight } from './load-shedding.ts';
import type { Metrics } from './metrics.ts';

/** Who may call a route: `public`, or a scope the caller's role must have (src/domain/access/roles.ts). */
export type { Scope };

/** Rate-limit classes, each with its own budget (src/config.ts); `default` when a route names none. */
export const LIMIT_CLASSES = ['default', 'guid', 'batch', 'export'] as const;
export type LimitClass = (typeof LIMIT_CLASSES)[number];

/** What one app keeps while it runs: its metrics and its work in flight. */
export interface HttpRuntime {
  metrics: Metrics;
  inFlight: InFlight;
  /** Appends concurrent requests' tracking events together (group commit). */
  commit: GroupCommit;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  deps: AppDeps;
  now: () => Date;
  /** The authenticated caller; null on a public route. */
  principal: Principal | null;
  /** Names the objects (GUIDs, key ids) the request touched, for its audit record. */
  touched(...objects: string[]): void;
  /** This app's metrics and in-flight budgets (backpressure). */
  http: HttpRuntime;
  /** Every route mounted beside this one (the document describes them). */
  routes: readonly AnyRoute[];
}

/** What a handler answers; nothing when it wrote the response itself (a stream). */
export type RouteAnswer = { status?: number; body?: unknown; headers?: Record<string, string> } | void;

export interface ResponseDeclaration {
  description: string;
  /** The body's schema (the pipeline checks answers against it when told to: tests do). */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface BodyDeclaration<B> {
  /** What the body looks like (OpenAPI), and its validation unless `parse` is given. */
  schema: z.ZodType;
  /**
   * `json` (default), `form` (application/x-www-form-urlencoded, read as a flat record of strings), or `json-or-text`:
   * JSON sent as application/json or as text/plain (navigator.sendBeacon cannot send application/json cross-origin,
   * and a text/plain fetch needs no CORS preflight).
   */
  mediaType?: 'json' | 'form' | 'json-or-text';
  /** A smaller body limit than THREADLINE_BODY_LIMIT for this route, enforced while reading. */
  limitBytes?: number;
  /** Validation that needs more than the schema (the server's clock, the event catalogue). */
  parse?: (input: unknown, ctx: { now: Date; deps: AppDeps }) => Parsed<B>;
}

export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form: `/api/v2/tracking/journey/{guid}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  params?: z.ZodType<P>;
  /** The problem a bad path parameter answers with (a GUID that is no GUID: no such journey). */
  paramsProblem?: ErrorCode;
  query?: z.ZodType<Q>;
  headers?: z.ZodObject;
  body?: BodyDeclaration<B>;
  responses: Readonly<Record<number, ResponseDeclaration>>;
  /** Every problem code the route may answer, besides those any route may (see COMMON_PROBLEMS). */
  problems: readonly ErrorCode[];
  scope: Scope;
  /**
   * `unmetered`: no rate limit at all (the pixel and link redirects, which must answer when the store that counts
   * budgets is away; in-flight work still bounds them). Otherwise the rate-limit class, `default` when none.
   */
  limit?: LimitClass | 'unmetered';
  /**
   * A stream that stays open (server-sent events): once the handler has set it up and returned, the request gives
   * back its in-flight slot and is audited, rather than holding the slot (THREADLINE_MAX_IN_FLIGHT) for hours.
   */
  longLived?: boolean;
  /**
   * Browser origins that may call this route besides THREADLINE_CORS_ORIGINS (CORS, preflight included): the web
   * views' pages may send to the collector and reach nothing else. Only for paths without parameters.
   */
  origins?: (config: AppConfig) => readonly string[];
  handle(ctx: RouteContext<P, Q, B>): Promise<RouteAnswer>;
}

/** Problems any route may answer: a bad request, a budget spent, a store that is away, a defect. */
export const COMMON_PROBLEMS: readonly ErrorCode[] = ['bad_request', 'rate_limited', 'internal_error', 'store_unavailable'];
/** Problems any route behind a scope may answer. */
export const AUTH_PROBLEMS: readonly ErrorCode[] = ['unauthorized', 'forbidden'];
/** Problems any route with a JSON body may answer. */
export const BODY_PROBLEMS: readonly ErrorCode[] = ['validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type'];

/** A body validated by its schema alone, typed as the schema's output. */
export const bodyOf = <S extends z.ZodType>(schema: S): BodyDeclaration<z.output<S>> => ({
  schema,
  parse: (input) => {
    const parsed = schema.safeParse(input);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, violations: toViolations(parsed.error) };
  },
});

/** Declares a route with its types inferred from its schemas. */
export const route = <P, Q, B>(r: Route<P, Q, B>): Route<P, Q, B> => r;

/** A route of any types, as lists hold them (each keeps its own; the pipeline reads them through their schemas). */
export type AnyRoute = Route<unknown, unknown, unknown>;

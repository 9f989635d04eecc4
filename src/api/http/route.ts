// A route, declared once as data: method, path, request and response schemas, the problems it may answer, its
// scope and rate-limit class. The request pipeline and the OpenAPI document are both made from these declarations.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '../../domain/shared/errors.ts';
import type { Parsed } from '../../domain/shared/violation.ts';
import type { AppDeps } from './deps.ts';

/**
 * Who may call a route. `public` needs no credentials (health, the document itself, tracking pixels later); the
 * others name what a caller's role must allow (enforced by the access capability).
 */
export type Scope = 'public' | 'journeys:write' | 'journeys:read' | 'analytics:read' | 'audit:read' | 'admin';

/** Rate-limit classes (the access capability sets their budgets). */
export type LimitClass = 'default' | 'guid' | 'batch' | 'export';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  deps: AppDeps;
  now: () => Date;
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
  limit?: LimitClass;
  handle(ctx: RouteContext<P, Q, B>): Promise<RouteAnswer>;
}

/** Problems any route may answer: a bad request, a store that is away, a defect. */
export const COMMON_PROBLEMS: readonly ErrorCode[] = ['bad_request', 'internal_error', 'store_unavailable'];
/** Problems any route with a JSON body may answer. */
export const BODY_PROBLEMS: readonly ErrorCode[] = ['validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type'];

/** Declares a route with its types inferred from its schemas. */
export const route = <P, Q, B>(r: Route<P, Q, B>): Route<P, Q, B> => r;

/** A route of any types, as lists hold them (each keeps its own; the pipeline reads them through their schemas). */
export type AnyRoute = Route<unknown, unknown, unknown>;

// A violation of a request's rules, at the path of the field that breaks it: what every 400 lists.
import type { z } from 'zod';

export interface Violation {
  path: string;
  message: string;
}

export const toViolations = (error: z.ZodError, prefix: (string | number)[] = []): Violation[] =>
  error.issues.flatMap((i) => {
    // An unknown field is reported at its own path, one violation each.
    const paths = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path];
    const message = i.code === 'unrecognized_keys' ? 'unknown field' : i.message;
    return paths.map((p) => ({ path: [...prefix, ...p].map(String).join('.') || '(body)', message }));
  });

/** A parse that either gives the value or lists every violation. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

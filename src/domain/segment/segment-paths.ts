// Where in a Segment message the journey GUID and the channel are: lists of dot paths, the first that holds a value
// wins (THREADLINE_SEGMENT_GUID_PATH, THREADLINE_SEGMENT_CHANNEL_PATH).

/** Defaults: track and page carry it in properties, identify in traits, and any call may carry it in context.traits. */
export const DEFAULT_GUID_PATHS = ['properties.guid', 'traits.guid', 'context.traits.guid'] as const;
export const DEFAULT_CHANNEL_PATHS = ['properties.channel', 'traits.channel', 'context.traits.channel'] as const;

const SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** A comma-separated list of dot paths (`properties.guid,context.traits.guid`), or why it is not one. */
export const parsePathList = (text: string): { ok: true; paths: string[] } | { ok: false; reason: string } => {
  const paths = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (paths.length === 0) return { ok: false, reason: 'at least one dot path, e.g. properties.guid' };
  for (const p of paths) {
    const segments = p.split('.');
    if (segments.length > 8 || !segments.every((s) => SEGMENT.test(s) && !FORBIDDEN.has(s))) {
      return { ok: false, reason: `${p}: dot paths of up to 8 names (letters, digits, _ $ -), e.g. properties.guid` };
    }
  }
  return { ok: true, paths };
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dot path, through own properties only; undefined when any step is missing. */
export const valueAt = (root: unknown, path: string): unknown => {
  let at: unknown = root;
  for (const key of path.split('.')) {
    if (!isRecord(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
};

/** The first path holding a value (null counts as none) and that value. */
export const firstValue = (root: unknown, paths: readonly string[]): { path: string; value: unknown } | null => {
  for (const path of paths) {
    const value = valueAt(root, path);
    if (value !== undefined && value !== null) return { path, value };
  }
  return null;
};

/** A copy of `obj` without the value at the path (relative to obj); obj itself is left alone. */
export const withoutPath = (obj: Record<string, unknown>, path: readonly string[]): Record<string, unknown> => {
  const [key, ...rest] = path;
  if (key === undefined || !Object.hasOwn(obj, key)) return obj;
  const copy = { ...obj };
  if (rest.length === 0) delete copy[key];
  else if (isRecord(obj[key])) copy[key] = withoutPath(obj[key], rest);
  return copy;
};

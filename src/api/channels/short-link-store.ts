// Short links as the API reads them: new codes from a CSPRNG, and a small cache of recent codes in front of the
// table so that a redirect rarely waits on the store. One cache per app (keyed by its deps), never shared.
import { randomInt } from 'node:crypto';
import { BASE62, SHORT_CODE_LENGTH, ALL_LINKS_WINDOW_MS } from '../../domain/channels/index.ts';
import { shortLinkOf, type ShortLink } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import type { AppDeps } from '../http/deps.ts';

/** 62^10 ≈ 8·10^17 codes: guessing a live one is out of reach, and a collision is redrawn (insert-or-nothing). */
export const newShortCode = (): string => Array.from({ length: SHORT_CODE_LENGTH }, () => BASE62[randomInt(62)]).join('');

/** Recent codes kept in memory; a miss reads the table (codes are never changed once written, so never stale). */
const CACHE_SIZE = 10_000;
/** Messages whose recent clicks are remembered, for the every-link-at-once rule. */
const CLICKS_SIZE = 10_000;

interface SmsLinkState {
  links: Map<string, ShortLink>;
  /** `guid|message_id` → link index → when it was last clicked (epoch ms). */
  clicks: Map<string, Map<number, number>>;
}

const states = new WeakMap<AppDeps, SmsLinkState>();

const stateOf = (deps: AppDeps): SmsLinkState => {
  let s = states.get(deps);
  if (!s) states.set(deps, (s = { links: new Map(), clicks: new Map() }));
  return s;
};

/** Insertion-ordered maps as LRU caches: a hit moves to the back, the front goes first. */
const remember = <K, V>(map: Map<K, V>, key: K, value: V, size: number) => {
  map.delete(key);
  map.set(key, value);
  if (map.size > size) map.delete(map.keys().next().value as K);
};

export const cacheShortLinks = (deps: AppDeps, links: readonly ShortLink[]): void => {
  const { links: cache } = stateOf(deps);
  for (const l of links) remember(cache, l.code, l, CACHE_SIZE);
};

export const lookupShortLink = async (deps: AppDeps, code: string): Promise<ShortLink | null> => {
  const { links: cache } = stateOf(deps);
  const hit = cache.get(code);
  if (hit) {
    remember(cache, code, hit, CACHE_SIZE);
    return hit;
  }
  const link = await shortLinkOf(narrow(deps.db), code);
  if (link) remember(cache, code, link, CACHE_SIZE);
  return link;
};

/** Notes the click and answers how many of the message's distinct links were clicked within the window, this one included. */
export const noteClick = (deps: AppDeps, link: ShortLink, nowMs: number): number => {
  const { clicks } = stateOf(deps);
  const key = `${link.guid}|${link.message_id}`;
  const seen = clicks.get(key) ?? new Map<number, number>();
  seen.set(link.link_index, nowMs);
  remember(clicks, key, seen, CLICKS_SIZE);
  return [...seen.values()].filter((t) => nowMs - t <= ALL_LINKS_WINDOW_MS).length;
};

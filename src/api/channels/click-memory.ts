// Which links of a message were clicked in the last few seconds, for the "every link clicked at once" rule (a
// scanner walking the message). Kept in this process's memory only, bounded, oldest message forgotten first: with
// several instances behind a load balancer each sees only its own share of a message's clicks.
import { ALL_LINKS_WINDOW_MS } from '../../domain/channels/index.ts';

/** Messages remembered at once; ~200 bytes each with a few links, so about 2 MB at most. */
export const CLICK_MEMORY_MESSAGES = 10_000;

export interface ClickMemory {
  /** Notes a click of link `index` of `message` at `nowMs`; answers how many distinct links were clicked within the window, this one included. */
  record(message: string, index: number, nowMs: number): number;
  size(): number;
}

export const createClickMemory = (maxMessages = CLICK_MEMORY_MESSAGES, windowMs = ALL_LINKS_WINDOW_MS): ClickMemory => {
  // A Map iterates in insertion order: deleting and setting again on every click makes the first key the least recent.
  const messages = new Map<string, Map<number, number>>();
  return {
    record(message, index, nowMs) {
      const links = messages.get(message) ?? new Map<number, number>();
      messages.delete(message);
      for (const [i, at] of links) if (nowMs - at > windowMs || at - nowMs > windowMs) links.delete(i);
      links.set(index, nowMs);
      messages.set(message, links);
      while (messages.size > maxMessages) messages.delete(messages.keys().next().value!);
      return links.size;
    },
    size: () => messages.size,
  };
};

/** One memory per app (deps object): two apps in one process, as tests run them, do not share clicks. */
const memories = new WeakMap<object, ClickMemory>();

export const clickMemoryOf = (owner: object): ClickMemory => {
  let memory = memories.get(owner);
  if (!memory) memories.set(owner, (memory = createClickMemory()));
  return memory;
};

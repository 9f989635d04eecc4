// `threadline demo --journeys N`: creates N demo journeys through the command side (GUID issue, then events).
import { issueGuid, journeyCommands } from '../application/journeys/index.ts';
import type { CommandStore } from '../eventstore/index.ts';
import { demoJourney, seededRandom } from './demo/demo-journeys.ts';

export interface DemoOptions {
  journeys: number;
  seed: number;
  concurrency: number;
  prefix: string;
  start?: Date;
  onProgress?: (done: number, total: number) => void;
}

export const createDemoJourneys = async (store: CommandStore, o: DemoOptions): Promise<string[]> => {
  const rnd = seededRandom(o.seed);
  const start = o.start ?? new Date(Date.now() - 45 * 24 * 3_600_000);
  const guids: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.journeys) {
      const index = next++;
      const j = demoJourney(rnd, index, start);
      const issued = await issueGuid(store, {
        prefix: o.prefix,
        vin: j.vin,
        dealer_code: j.dealer_code,
        customer_id: j.customer_id,
        risk_event: j.risk_event,
        idempotencyKey: null,
        now: j.created_at,
      });
      if (!issued.ok) throw new Error(issued.error.message);
      const receivedAt = j.events.at(-1)!.occurred_at;
      // One append per journey: batching per stream is the throughput lever.
      const outcome = await journeyCommands.execute(store, issued.guid, {
        type: 'LogEvents',
        data: {
          events: j.events.map((e, k) => ({
            ...e,
            // Deterministic ids: running the same seed again stores nothing twice.
            event_id: `demo-${o.seed}-${index}-${k}`,
            guid: issued.guid,
            received_at: receivedAt,
            dealer_code: j.dealer_code,
            session_id: null,
            user_id: e.actor.type === 'human' ? (e.actor.id ?? null) : null,
          })),
        },
      });
      if (!outcome.ok) throw new Error(outcome.error.message);
      guids[index] = issued.guid;
      o.onProgress?.(++done, o.journeys);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return guids;
};

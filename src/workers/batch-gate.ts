// On a store of one connection (the embedded store), projection batches take turns and let the API go first: a batch
// holds the connection for its whole transaction, and seven projections queued for it put every request behind
// seven batches (bench/replay-latency-bench.ts: writes waited seconds while the read models replayed the log).

/** Runs one projection batch when it may. */
export type BatchGate = <T>(batch: () => Promise<T>) => Promise<T>;

/** How long a batch waits for the connection to be free of other work before it takes its turn anyway. */
const MAX_YIELD_MS = 50;
const POLL_MS = 2;

/** `busy`: whether anything else holds or waits for the connection now (OpenedStore.connectionBusy). */
export const createYieldingGate = (busy: () => boolean, maxYieldMs = MAX_YIELD_MS): BatchGate => {
  let turn: Promise<unknown> = Promise.resolve();
  return (batch) => {
    const run = turn.then(async () => {
      // Requests first: wait while others use the connection, but never so long that the read models stall.
      for (const deadline = performance.now() + maxYieldMs; busy() && performance.now() < deadline; ) await new Promise((r) => setTimeout(r, POLL_MS));
      return batch();
    });
    turn = run.catch(() => {});
    return run;
  };
};

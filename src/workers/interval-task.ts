// A task run every interval in the background: one run at a time, a failure logged and tried again at the next
// interval, the timer never holding the process open, and a stop that waits for the run in progress.
export interface IntervalTask {
  start(): void;
  stop(): Promise<void>;
}

export const intervalTask = (run: () => Promise<unknown>, intervalMs: number, onError: (error: unknown) => void): IntervalTask => {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = run()
      .catch(onError)
      .finally(() => {
        running = null;
      });
  };
  return {
    start() {
      if (!timer) timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
};

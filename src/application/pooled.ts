// Runs work over items with at most n at a time (a bounded share of the store's connections).
export const pooled = async <T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
};

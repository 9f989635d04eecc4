// A progress bar on stderr (redrawn in place on a terminal, a line every 10% otherwise).
export const progressBar = (label: string, stream: NodeJS.WriteStream = process.stderr) => {
  let lastDecile = -1;
  const started = Date.now();
  return (done: number, total: number) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} (${rate}/s)`);
      if (done >= total) stream.write('\n');
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${label}: ${done}/${total} (${Math.round(ratio * 100)}%, ${rate}/s)\n`);
    }
  };
};

// Embedded PostgreSQL: PGlite in a data directory, reachable over the PostgreSQL protocol so that pg-based code
// runs unchanged. It runs on a worker thread (embedded-server-worker.mjs).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface EmbeddedServer {
  connectionString: string;
  stop(): Promise<void>;
}

// Unix socket paths are limited to about 107 bytes; beyond that, fall back to loopback TCP.
const MAX_SOCKET_PATH = 100;

type WorkerMessage = { type: 'ready'; address: string } | { type: 'stopped' } | { type: 'error'; message: string };

const next = (worker: Worker) =>
  new Promise<WorkerMessage>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the embedded database thread exited (code ${code})`));
    worker.once('message', (m: WorkerMessage) => {
      worker.off('exit', onExit);
      resolve(m);
    });
    worker.once('exit', onExit);
  });

export const startEmbeddedServer = async (pgDataDir: string, socketDir: string): Promise<EmbeddedServer> => {
  const socketPath = join(socketDir, '.s.PGSQL.5432');
  const useSocket = socketPath.length <= MAX_SOCKET_PATH;
  // PGlite is one session: we give it one client connection at a time (the pool has one connection), and a
  // little headroom so that a reconnect is not refused while the old socket is still closing.
  const worker = new Worker(new URL('./embedded-server-worker.mjs', import.meta.url), {
    workerData: { pgDataDir, socketPath: useSocket ? socketPath : null, maxConnections: 4 },
  });
  // A failure after start shows up as connection errors on the pool; this keeps it from crashing the process.
  worker.on('error', () => {});
  const started = await next(worker);
  if (started.type !== 'ready') {
    await worker.terminate();
    throw new Error(started.type === 'error' ? started.message : 'the embedded database did not start');
  }
  const connectionString = useSocket
    ? `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=5432`
    : `postgresql://postgres@${started.address}/postgres`;
  return {
    connectionString,
    stop: async () => {
      const stopped = next(worker);
      worker.postMessage('stop');
      const answer = await stopped.catch((error: Error) => ({ type: 'error' as const, message: error.message }));
      await worker.terminate();
      if (answer.type === 'error') throw new Error(`Closing the embedded database failed: ${answer.message}`);
    },
  };
};

// PGlite and its socket server on a worker thread, so that database work (WASM, synchronous) never blocks the
// main thread's HTTP handling. Plain JavaScript: a worker cannot load TypeScript through tsx's register().
import { parentPort, workerData } from 'node:worker_threads';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openDurablePglite } from './durable-node-fs.mjs';

/** @type {{ pgDataDir: string; socketPath: string | null; maxConnections: number }} */
const { pgDataDir, socketPath, maxConnections } = workerData;

try {
  const { db } = await openDurablePglite(pgDataDir);
  const server = new PGLiteSocketServer({ db, maxConnections, ...(socketPath ? { path: socketPath } : { host: '127.0.0.1', port: 0 }) });
  await server.start();
  parentPort.on('message', async (message) => {
    if (message !== 'stop') return;
    try {
      await server.stop();
      await db.close();
      parentPort.postMessage({ type: 'stopped' });
    } catch (error) {
      parentPort.postMessage({ type: 'error', message: String(error?.message ?? error) });
    }
    parentPort.close();
  });
  parentPort.postMessage({ type: 'ready', address: server.getServerConn() });
} catch (error) {
  parentPort.postMessage({ type: 'error', message: String(error?.message ?? error) });
  parentPort.close();
}

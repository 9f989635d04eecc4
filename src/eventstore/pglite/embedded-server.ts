// Embedded PostgreSQL: PGlite in a data directory, reachable over the PostgreSQL protocol so that pg-based code runs unchanged.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { join } from 'node:path';

export interface EmbeddedServer {
  connectionString: string;
  stop(): Promise<void>;
}

// Unix socket paths are limited to about 107 bytes; beyond that, fall back to loopback TCP.
const MAX_SOCKET_PATH = 100;

export const startEmbeddedServer = async (pgDataDir: string, socketDir: string): Promise<EmbeddedServer> => {
  const db = await PGlite.create(pgDataDir);
  const socketPath = join(socketDir, '.s.PGSQL.5432');
  const useSocket = socketPath.length <= MAX_SOCKET_PATH;
  // PGlite is one session: we give it one client connection at a time (the pool has one connection), and a
  // little headroom so that a reconnect is not refused while the old socket is still closing.
  const server = new PGLiteSocketServer({
    db,
    maxConnections: 4,
    ...(useSocket ? { path: socketPath } : { host: '127.0.0.1', port: 0 }),
  });
  await server.start();
  const address = server.getServerConn();
  const connectionString = useSocket
    ? `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=5432`
    : `postgresql://postgres@${address}/postgres`;
  return {
    connectionString,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
};

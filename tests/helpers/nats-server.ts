// The NATS side of the live-publishing tests: is the local JetStream server up (skip, or fail in CI, when not), names
// that keep runs apart, reading a stream back, and private nats-server processes for the outage tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';

export const NATS_URL = 'nats://127.0.0.1:4222';
export const NATS_SERVER_BIN = '/usr/sbin/nats-server';

/** True when something at host:port greets like a NATS server within the timeout. */
export const natsAnswers = (url: string, timeoutMs = 1000): Promise<boolean> =>
  new Promise((resolve) => {
    const u = new URL(url);
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 4222) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('utf8').startsWith('INFO ')));
  });

/** Why the NATS suites cannot run here (null: they can). With CI=true a missing server is an error: .ci/run starts one. */
export const natsSkipReason = async (): Promise<string | null> => {
  if (await natsAnswers(NATS_URL)) return null;
  const reason = `no NATS server answers at ${NATS_URL} (start one: ${NATS_SERVER_BIN} -js -a 127.0.0.1 -p 4222 -sd <dir>)`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but ${reason}; .ci/run starts it`);
  return reason;
};

/** A stream name and a subject prefix of this run's own: runs and test files never see each other's messages. */
export const uniqueNatsNames = () => {
  const tag = `${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  return { stream: `TL_TEST_${tag}`, prefix: `tltest_${tag}` };
};

export interface StreamMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  payload: string;
}

/** Every message the stream holds, in sequence order, read by sequence number (no consumer left behind). */
export const readStream = async (nc: NatsConnection, stream: string): Promise<StreamMessage[]> => {
  const jsm = await nc.jetstreamManager();
  const { state } = await jsm.streams.info(stream);
  const out: StreamMessage[] = [];
  if (state.messages === 0) return out;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    out.push({ seq: m.seq, subject: m.subject, msgId: m.header.get('Nats-Msg-Id') || undefined, payload: new TextDecoder().decode(m.data) });
  }
  return out;
};

/** Deletes the stream if it exists. */
export const deleteStream = async (url: string, stream: string): Promise<void> => {
  const nc = await connect({ servers: url, timeout: 2000 });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
};

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export interface PrivateNats {
  url: string;
  /** Starts (or restarts, keeping its store) the server and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL: the server vanishes mid-conversation. */
  kill(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

/** A nats-server of this test's own on a free loopback port, to take down and bring back. */
export const privateNats = async (): Promise<PrivateNats> => {
  if (!existsSync(NATS_SERVER_BIN)) throw new Error(`${NATS_SERVER_BIN} is missing`);
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const storeDir = mkdtempSync(join(tmpdir(), 'tl-nats-'));
  let child: ChildProcess | null = null;
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    child = null;
  };
  return {
    url,
    async start() {
      child = spawn(NATS_SERVER_BIN, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await natsAnswers(url, 200)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the private nats-server on ${url} did not answer`);
    },
    kill,
    async dispose() {
      await kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
};

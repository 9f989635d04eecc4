// NDJSON audit lines: the raw events in log order with their global positions.
import { stringifyJson, type GlobalLog, type LoggedEvent, type LogPosition } from '../eventstore/index.ts';

export const auditLine = (e: LoggedEvent): string =>
  stringifyJson({
    global_position: Number(e.position.globalPosition),
    // Where the event sits in the log, as the log encodes it (resume an export after it).
    log_position: e.position.token,
    stream_id: e.streamId,
    stream_position: Number(e.streamPosition),
    type: e.type,
    recorded_at: e.recordedAt.toISOString(),
    data: e.data,
  }) + '\n';

/** Pages through the log; `write` may return a promise to apply back-pressure. */
export const streamAudit = async (
  log: GlobalLog,
  filter: { streamId?: string | undefined; recordedFrom?: Date | undefined; recordedTo?: Date | undefined },
  write: (line: string) => unknown,
): Promise<number> => {
  let after: LogPosition | null = null;
  let count = 0;
  for (;;) {
    const page: LoggedEvent[] = await log.read({ after, limit: 1000, ...filter });
    for (const e of page) await write(auditLine(e));
    count += page.length;
    if (page.length < 1000) return count;
    after = page.at(-1)!.position;
  }
};

/**
 * What the middleware writes to its structured log (README, "Operating a
 * cluster"): every park and restore, done (info, with the snapshot, the task,
 * the node and the bytes) or failed (warn, with the reason).
 */
import type { Logger } from '../common/index.ts';
import type { ArchiveObserver, MiddlewareServer } from './middleware-server.ts';

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Logs the parks and restores of `server` to `logger`; returns the function that stops. */
export function logArchive(server: MiddlewareServer, logger: Logger): () => void {
  const observer: ArchiveObserver = {
    parked: (m) =>
      logger.info({ task: m.taskId, snapshot: m.id, node: m.sourceNode, newBytes: m.newBytes, sharedBytes: m.sharedBytes }, `parked ${m.taskId} from ${m.sourceNode} as snapshot ${m.id}`),
    parkFailed: (taskId, e) => logger.warn({ task: taskId }, `park of ${taskId} failed: ${reason(e)}`),
    restored: (m, node, taskId) => logger.info({ task: taskId, snapshot: m.id, node }, `restored snapshot ${m.id} on ${node} as ${taskId}`),
    restoreFailed: (snapshot, e) => logger.warn({ snapshot }, `restore of snapshot ${snapshot} failed: ${reason(e)}`),
  };
  server.observers.add(observer);
  return () => server.observers.delete(observer);
}

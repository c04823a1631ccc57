/**
 * The reference run of `transparent`: the task alone on a node of its cluster,
 * in-process and in virtual time (ticks run as fast as the CPU goes), without
 * any step. A program that ends is run to its end (bounded); one that runs on,
 * for as many ticks as the real run lasted and then some, so the real output
 * must be a prefix of the reference's.
 */
import { seededIds } from '../common/index.ts';
import type { ClusterConfig } from '../config/index.ts';
import { Node } from '../hypervisor/index.ts';
import type { Reference } from './expectations.ts';
import type { TaskDef } from './model.ts';

/** Longest a reference runs a program that ends, in ticks. */
export const MAX_REFERENCE_TICKS = 5_000_000;
const CHUNK = 1000;

/** Runs `def` alone on its node for at most `ticks` ticks (until it ends, if it ends sooner). */
export function referenceRun(cluster: ClusterConfig, def: TaskDef, ticks: number, seed: number): Reference {
  const nodeDef = cluster.nodes.find((n) => n.name === def.node);
  if (!nodeDef) throw new Error(`no node ${def.node}`);
  const node = new Node(nodeDef, cluster, { ids: seededIds(seed) });
  try {
    const task = node.startTask({ partition: def.partition, program: def.program, travelers: def.travelers, priority: def.priority });
    const id = task.id;
    const lines: string[] = [];
    const sub = node.events.subscribe((e) => {
      if (e.kind === 'console' && e.task === id) lines.push(e.text);
    });
    const state = (): string | undefined => node.ps().find((t) => t.task === id)?.run;
    const ended = (): boolean => state() === 'exited' || state() === 'faulted';
    const limit = Math.min(Math.max(ticks, 1), MAX_REFERENCE_TICKS);
    for (let done = 0; done < limit && !ended(); done += CHUNK) node.runTicks(Math.min(CHUNK, limit - done));
    sub.unsubscribe();
    const isEnded = ended();
    const hash = isEnded ? node.ps({ hashes: true }).find((t) => t.task === id)?.memoryHash : undefined;
    return { lines, ended: isEnded, ...(hash ? { memoryHash: hash } : {}) };
  } finally {
    node.shutdown();
  }
}

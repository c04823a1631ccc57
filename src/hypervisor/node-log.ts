/**
 * What a node writes to its structured log (README, "Operating a cluster"): its
 * events as records with their fields (`task`, `traveler`, `slot`, `partition`,
 * `tick`; the logger carries `node`), and every migration from it and container
 * received by it with its `migrationId` and figures. Console lines and MigThread
 * transitions are debug; exits, migrations and partition modes info; faults and
 * health-monitor events warn; failed migrations warn (refused, cancelled) or
 * error.
 */
import type { Logger } from '../common/index.ts';
import type { MigrationOutcome } from '../migtask/index.ts';
import type { NodeEvent } from './events.ts';
import { migrationResult } from './node-metrics.ts';
import type { Node } from './node.ts';

/** One node event as a log record: its level, fields and message. */
export function eventRecord(e: NodeEvent): { level: 'debug' | 'info' | 'warn'; fields: Record<string, unknown>; msg: string } {
  const base = { event: e.kind, tick: e.tick };
  switch (e.kind) {
    case 'console':
      return { level: 'debug', fields: { ...base, task: e.task, traveler: e.traveler }, msg: e.text };
    case 'transition':
      return { level: 'debug', fields: { ...base, slot: e.slot, ...(e.task ? { task: e.task } : {}), from: e.from, to: e.to, command: e.command }, msg: `${e.slot}: ${e.from} -> ${e.to} on ${e.command}` };
    case 'fault':
      return {
        level: 'warn',
        fields: { ...base, task: e.task, traveler: e.traveler, fault: e.fault, pc: e.pc, ...(e.address !== undefined ? { address: e.address } : {}) },
        msg: `fault ${e.fault}: ${e.message}`,
      };
    case 'exit':
      return { level: 'info', fields: { ...base, task: e.task, traveler: e.traveler, code: e.code }, msg: `traveler exited with code ${e.code}` };
    case 'migration':
      return { level: 'info', fields: { ...base, ...(e.task ? { task: e.task } : {}), phase: e.phase }, msg: `migration ${e.phase}${e.detail ? `: ${e.detail}` : ''}` };
    case 'hm':
      return {
        level: 'warn',
        fields: { ...base, partition: e.partition, task: e.task, traveler: e.traveler, hmEvent: e.event, hmLevel: e.level, action: e.action },
        msg: `health monitor: ${e.event} -> ${e.action}: ${e.detail}`,
      };
    case 'partition':
      return { level: 'info', fields: { ...base, partition: e.partition, from: e.from, to: e.to, condition: e.condition }, msg: `partition ${e.partition}: ${e.from} -> ${e.to}: ${e.detail}` };
  }
}

/** Logs node `node`'s events and migrations to `logger`; returns the function that stops. */
export function logNode(node: Node, logger: Logger): () => void {
  const sub = node.events.subscribe((e) => {
    const r = eventRecord(e);
    logger[r.level](r.fields, r.msg);
  });
  const observer = {
    migrated(options: { readonly task: string; readonly mode: string; readonly sinkName?: string }, outcome: MigrationOutcome): void {
      const result = migrationResult(outcome);
      if ('stats' in outcome) {
        const s = outcome.stats;
        logger.info(
          { task: s.task, migrationId: s.migrationId, mode: s.mode, result, sink: s.sink, downtimeMs: s.downtimeMs, totalMs: s.totalMs, bytes: s.bytes, pagesSent: s.pagesSent, rounds: s.rounds },
          `migrated ${s.task} to ${s.sink} (${s.mode})`,
        );
      } else {
        const e = outcome.error;
        logger[result === 'failed' ? 'error' : 'warn'](
          { task: options.task, mode: options.mode, result, ...(options.sinkName ? { sink: options.sinkName } : {}) },
          `migration of ${options.task} ${result}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
    received(r: { readonly migrationId: string; readonly taskId: string; readonly slot: string; readonly pages: number; readonly bytes: number }): void {
      logger.info({ task: r.taskId, migrationId: r.migrationId, slot: r.slot, pages: r.pages, bytes: r.bytes }, `received ${r.taskId} into ${r.slot}`);
    },
  };
  node.migrations.observers.add(observer);
  return () => {
    node.migrations.observers.delete(observer);
    sub.unsubscribe();
  };
}

/**
 * `migvisor migrate cancel|set|status` and `migvisor dirty-rate` (README,
 * "Migration control"): CancelMigration, SetMigration, QueryMigrate and
 * MeasureDirtyRate on the source node, printed as lines or tables (--json: the
 * wire replies; `status --watch --json`: one reply per line).
 */
import Table from 'cli-table3';
import { Code, InvalidArgumentError, MigvisorError, unary } from '../../common/index.ts';
import { formatBandwidth } from '../../config/units.ts';
import type { MigTaskClient } from '../../generated/migvisor/v1/MigTask.ts';
import type { QueryMigrateResponse__Output } from '../../generated/migvisor/v1/QueryMigrateResponse.ts';
import { words } from '../format.ts';
import { printMessage, printMessageLine } from '../print.ts';
import { withRemote } from '../remote.ts';
import type { CancelFlags, DirtyRateFlags, SetFlags, StatusFlags } from './migrate-control.ts';

/** Longest `cancel` waits for the task to run on the source again, ms. */
const SETTLE_MS = 15_000;
/** Longest a dirty-rate measurement may take beyond its window, ms. */
const MEASURE_SLACK_MS = 65_000;

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

/** `migrate cancel`: cancels, then waits until the migration has ended (the task runs on the source again). */
export function cancel(task: string, flags: CancelFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const reply = await unary(c.CancelMigration, c, { taskId: task, reason: flags.deadline ? 'CANCEL_REASON_DEADLINE' : 'CANCEL_REASON_USER' }, `cancel the migration of ${task} on ${flags.node}`);
    if (reply.cancelled) await ended(c, task);
    if (flags.json) return printMessage('CancelMigrationResponse', reply);
    if (!reply.cancelled) process.stdout.write(`no migration of ${task} in flight on ${flags.node}: nothing to cancel\n`);
    else {
      const id = reply.migrationId ? ` ${reply.migrationId}` : '';
      process.stdout.write(`cancelled the migration${id} of ${task} (${words(reply.phase, 'MIGRATION_PHASE_')}); ${task} runs on ${flags.node}\n`);
    }
  });
}

/** Polls QueryMigrate until nothing of the task's migration is in flight (bounded). */
async function ended(c: MigTaskClient, task: string): Promise<void> {
  const until = Date.now() + SETTLE_MS;
  while (Date.now() < until) {
    const q = await unary(c.QueryMigrate, c, { taskId: task }, `query the migration of ${task}`);
    if (!q.inFlight) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new MigvisorError(`the migration of ${task} was cancelled but has not ended after ${SETTLE_MS / 1000} s`);
}

/** `migrate set`: changes the bandwidth cap of a migration in flight. */
export function set(task: string, flags: SetFlags): Promise<void> {
  if (flags.maxBandwidth === undefined && !flags.unlimited) throw new InvalidArgumentError('migrate set: give --max-bandwidth RATE or --unlimited');
  if (flags.maxBandwidth !== undefined && flags.unlimited) throw new InvalidArgumentError('migrate set: --max-bandwidth and --unlimited exclude each other');
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const reply = await unary(c.SetMigration, c, { taskId: task, maxBandwidthBytesPerS: flags.unlimited ? 0 : Math.round(flags.maxBandwidth!) }, `set the migration of ${task} on ${flags.node}`);
    if (flags.json) return printMessage('SetMigrationResponse', reply);
    const cap = Number(reply.maxBandwidthBytesPerS);
    process.stdout.write(`migration of ${task} on ${flags.node}: max bandwidth ${cap > 0 ? formatBandwidth(cap) : 'unlimited'}\n`);
  });
}

/** `migrate status`: the migration as query-migrate shows it (--watch: until it ends). */
export function status(task: string, flags: StatusFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const query = () => unary(c.QueryMigrate, c, { taskId: task }, `status of the migration of ${task} on ${flags.node}`);
    if (!flags.watch) {
      const q = await query();
      if (flags.json) return printMessage('QueryMigrateResponse', q);
      process.stdout.write(q.inFlight ? `${statusTable(q)}\n` : `no migration of ${task} in flight on ${flags.node}\n`);
      return;
    }
    let seen = false;
    for (;;) {
      let q: QueryMigrateResponse__Output;
      try {
        q = await query();
      } catch (e: unknown) {
        // Once seen in flight, a task that is gone from the node went with its migration.
        if (!seen || !(e instanceof MigvisorError) || e.code !== Code.NOT_FOUND) throw e;
        if (!flags.json) process.stdout.write(`migration of ${task} ended: ${e.message}\n`);
        return;
      }
      if (flags.json) printMessageLine('QueryMigrateResponse', q);
      else process.stdout.write(q.inFlight ? `${statusLine(q)}\n` : seen ? `migration of ${task} ended\n` : `no migration of ${task} in flight on ${flags.node}\n`);
      if (!q.inFlight) return;
      seen = true;
      await new Promise((res) => setTimeout(res, flags.intervalMs));
    }
  });
}

function figures(q: QueryMigrateResponse__Output): [string, string][] {
  const rate = Number(q.transferBytesPerS);
  const cap = Number(q.maxBandwidthBytesPerS);
  return [
    ['migration id', q.migrationId || '-'],
    ['status', words(q.status, 'MIGRATION_STATUS_')],
    ['mode', words(q.mode, 'MIGRATION_MODE_')],
    ['sink', q.sink],
    ['phase', words(q.phase, 'MIGRATION_PHASE_')],
    ['pass', String(q.pass)],
    ['remaining', mib(Number(q.remainingBytes))],
    ['sent', mib(Number(q.bytesSent))],
    ['dirty rate pages/s', String(q.dirtyRatePagesPerS)],
    ['transfer rate', rate > 0 ? formatBandwidth(rate) : '-'],
    ['expected downtime ms', String(q.expectedDowntimeMs)],
    ['downtime limit ms', String(q.downtimeLimitMs)],
    ['throttle %', String(q.throttlePercent)],
    ['max bandwidth', cap > 0 ? formatBandwidth(cap) : 'unlimited'],
    ['total ms', String(q.totalMs)],
    ...(q.waiting ? ([['waiting', q.waiting]] as [string, string][]) : []),
  ];
}

function statusTable(q: QueryMigrateResponse__Output): string {
  const t = new Table({ style: { head: [], border: [], compact: true } });
  for (const [k, v] of figures(q)) t.push({ [k]: v });
  return t.toString();
}

function statusLine(q: QueryMigrateResponse__Output): string {
  const rate = Number(q.transferBytesPerS);
  return [
    words(q.status, 'MIGRATION_STATUS_'),
    `pass ${q.pass}`,
    `remaining ${mib(Number(q.remainingBytes))}`,
    `dirty ${q.dirtyRatePagesPerS} pages/s`,
    `transfer ${rate > 0 ? formatBandwidth(rate) : '-'}`,
    `expected downtime ${q.expectedDowntimeMs} ms`,
    `throttle ${q.throttlePercent}%`,
    ...(q.waiting ? [q.waiting] : []),
  ].join(', ');
}

/** `dirty-rate`: MeasureDirtyRate, printed. */
export function dirtyRate(task: string, flags: DirtyRateFlags): Promise<void> {
  if (flags.ms !== undefined && flags.ms > 10_000) throw new InvalidArgumentError(`--ms must be 10..10000, got ${flags.ms}`);
  return withRemote(flags, async (r) => {
    const c = await r.migTask(flags.node);
    const reply = await unary(
      c.MeasureDirtyRate,
      c,
      { taskId: task, ...(flags.ms !== undefined ? { windowMs: flags.ms } : {}) },
      `measure the dirty rate of ${task} on ${flags.node}`,
      (flags.ms ?? 1000) + MEASURE_SLACK_MS,
    );
    if (flags.json) return printMessage('MeasureDirtyRateResponse', reply);
    process.stdout.write(
      `${task} on ${flags.node}: ${reply.pagesPerS} pages/s (${(Number(reply.bytesPerS) / 1024 / 1024).toFixed(2)} MiB/s), ` +
        `${reply.pagesDirtied} distinct page(s) dirtied in ${reply.windowMs} ms (${reply.initialPagesPerS} pages/s while its working set filled)\n`,
    );
  });
}

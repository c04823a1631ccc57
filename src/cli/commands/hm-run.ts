/**
 * The health-monitor and partition-mode commands over gRPC (NodeControl.HmLog,
 * PartitionStatus, SetPartitionMode): tables for people, `--json` for machines.
 */
import Table from 'cli-table3';
import { MigvisorError, Code, unary } from '../../common/index.ts';
import type { PartitionState } from '../../generated/migvisor/v1/PartitionState.ts';
import { printMessage } from '../print.ts';
import type { NodeFlags } from '../remote-options.ts';
import { withRemote } from '../remote.ts';
import type { HmLogFlags } from './hm.ts';

const STYLE = { head: [], border: [], compact: true };

/** `hm log`: the node's HM log, oldest first. */
export function hmLog(flags: HmLogFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.HmLog, c, { limit: flags.limit ?? 0 }, `hm log on ${flags.node}`);
    if (flags.json) {
      printMessage('HmLogResponse', reply);
      return;
    }
    const table = new Table({ head: ['SEQ', 'TICK', 'PARTITION', 'TASK', 'TRAVELER', 'EVENT', 'LEVEL', 'ACTION', 'DETAILS'], style: STYLE });
    for (const e of reply.entries ?? []) {
      table.push([String(e.seq), String(e.tick), e.partition ?? '', e.taskId ?? '', String(e.traveler ?? 0), e.event ?? '', e.level ?? '', e.action ?? '', e.details ?? '']);
    }
    const n = reply.entries?.length ?? 0;
    const dropped = Number(reply.dropped ?? 0);
    process.stdout.write(
      `${reply.node} at tick ${reply.tick}: ${n} HM entr${n === 1 ? 'y' : 'ies'}${dropped > 0 ? ` (${dropped} older ones dropped; the log keeps ${reply.capacity})` : ''}\n${n > 0 ? `${table.toString()}\n` : ''}`,
    );
  });
}

function statusTable(partitions: readonly PartitionState[]): string {
  const table = new Table({ head: ['PARTITION', 'MODE', 'START CONDITION', 'START', 'LAST CHANGE', 'CHANGES', 'TASKS'], style: STYLE });
  for (const p of partitions) {
    const tasks = (p.tasks ?? []).map((t) => `${t.taskId}:${t.startCondition}`).join(' ') || '-';
    table.push([p.partition ?? '', p.mode ?? '', p.startCondition ?? '', p.start ?? '', `tick ${p.lastChangeTick ?? 0}`, String(p.modeChanges ?? 0), tasks]);
  }
  return table.toString();
}

/** `partition status [PARTITION]`: modes and start conditions. */
export function partitionStatus(partition: string | undefined, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.PartitionStatus, c, { partition: partition ?? '' }, `partition status on ${flags.node}`);
    if (flags.json) printMessage('PartitionStatusResponse', reply);
    else process.stdout.write(`${reply.node} at tick ${reply.tick}\n${statusTable(reply.partitions ?? [])}\n`);
  });
}

/** `partition mode PARTITION MODE`: SET_PARTITION_MODE; INVALID_MODE fails (exit 1), NO_ACTION does not. */
export function partitionMode(partition: string, mode: string, flags: NodeFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.node(flags.node);
    const reply = await unary(c.SetPartitionMode, c, { partition, mode }, `partition mode on ${flags.node}`);
    const now = reply.status?.mode ?? '';
    if (reply.result === 'INVALID_MODE' || reply.result === 'INVALID_PARAM') {
      throw new MigvisorError(`partition ${partition} on ${flags.node}: ${mode} refused in mode ${now} (${reply.result})`, Code.FAILED_PRECONDITION);
    }
    if (flags.json) printMessage('SetPartitionModeResponse', reply);
    else if (reply.result === 'NO_ACTION') process.stdout.write(`partition ${partition} is already ${now} (NO_ACTION)\n`);
    else process.stdout.write(`partition ${partition}: ${mode} (${reply.result}); now ${now}, start condition ${reply.status?.startCondition ?? ''}\n`);
  });
}

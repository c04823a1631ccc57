/**
 * Wire messages as the behaviour specs read them: events flattened (the kind by
 * its domain name, the payload's fields at the top), task summaries with the
 * domain names of states and statuses, waits and faults in words. The contract's
 * own specs (test/api/) assert the wire values themselves; the migration specs
 * assert behaviour, and read it through these views.
 */
import { EVENT_KIND_WIRE } from '../../src/common/index.ts';
import type { Event__Output } from '../../src/generated/migvisor/v1/Event.ts';
import type { TaskSummary__Output } from '../../src/generated/migvisor/v1/TaskSummary.ts';
import type { TravelerSummary__Output } from '../../src/generated/migvisor/v1/TravelerSummary.ts';
import {
  FAULT_KIND_WIRE,
  MIG_COMMAND_WIRE,
  MIG_STATE_WIRE,
  MIGRATION_STATUS_WIRE,
  MIGRATION_STEP_WIRE,
  RUN_STATE_WIRE,
  TRAVELER_STATUS_WIRE,
  WAIT_KIND_WIRE,
} from '../../src/migtask/index.ts';

/** An event with its payload's fields at the top. */
export interface FlatEvent {
  readonly kind: 'console' | 'transition' | 'fault' | 'exit' | 'migration' | 'hm' | 'partition' | 'gap';
  readonly seq: number;
  readonly node: string;
  readonly tick: number;
  readonly task: string;
  readonly traveler: number;
  readonly text: string;
  readonly slot: string;
  readonly from: string;
  readonly to: string;
  readonly command: string;
  readonly fault: string;
  readonly message: string;
  readonly pc: number;
  readonly code: number;
  readonly phase: string;
  readonly detail: string;
  /** migration step `status`: the status (QEMU's name, e.g. postcopy-active). */
  readonly status: string;
  /** migration step `pass`: the pre-copy pass. */
  readonly pass: number;
  /** hm: the event and the action taken. */
  readonly event: string;
  readonly action: string;
  /** partition: the mode entered and the start condition. */
  readonly mode: string;
  readonly condition: string;
}

/** A wire Event, flattened. */
export function flatEvent(e: Event__Output): FlatEvent {
  const kind = e.payload === 'gap' ? 'gap' : (EVENT_KIND_WIRE.fromWire(e.kind) ?? 'gap');
  const f = e.fault?.fault;
  return {
    kind,
    seq: e.seq,
    node: e.node,
    tick: e.tick,
    task: e.taskId,
    traveler: e.console?.traveler ?? e.fault?.traveler ?? e.exit?.traveler ?? e.hm?.traveler ?? 0,
    text: e.console?.text ?? '',
    slot: e.transition?.slot ?? '',
    from: MIG_STATE_WIRE.fromWire(e.transition?.fromState) ?? '',
    to: MIG_STATE_WIRE.fromWire(e.transition?.toState) ?? '',
    command: MIG_COMMAND_WIRE.fromWire(e.transition?.command) ?? '',
    fault: FAULT_KIND_WIRE.fromWire(f?.kind) ?? '',
    message: f?.message ?? '',
    pc: f?.pc ?? 0,
    code: e.exit?.code ?? 0,
    phase: MIGRATION_STEP_WIRE.fromWire(e.migration?.step) ?? '',
    status: e.migration?.status && e.migration.status !== 'MIGRATION_STATUS_UNSPECIFIED' ? (MIGRATION_STATUS_WIRE.fromWire(e.migration.status) ?? '') : '',
    pass: e.migration?.pass ?? 0,
    detail: e.migration?.detail ?? e.hm?.details ?? e.partitionMode?.detail ?? '',
    event: e.hm?.event ?? '',
    action: e.hm?.action ?? '',
    mode: e.partitionMode?.toMode ?? '',
    condition: e.partitionMode?.startCondition ?? '',
  };
}

/** A traveler with its status, wait and fault in words. */
export interface TravelerView extends Omit<TravelerSummary__Output, 'status' | 'wait' | 'fault'> {
  readonly status: string;
  /** e.g. `sleep until tick 12`, `receive on gate inbox`, `page 7`; '' when not waiting. */
  readonly wait: string;
  /** `kind: message`; '' when not faulted. */
  readonly fault: string;
}

/** A task summary with domain names. */
export interface TaskView extends Omit<TaskSummary__Output, 'state' | 'run' | 'travelers'> {
  readonly state: string;
  readonly run: string;
  readonly travelers: TravelerView[];
}

function waitText(w: TravelerSummary__Output['wait']): string {
  if (!w) return '';
  switch (WAIT_KIND_WIRE.fromWire(w.kind)) {
    case 'sleep':
      return `sleep until tick ${w.untilTick}`;
    case 'gate_recv':
      return `receive on gate ${w.gate}`;
    case 'gate_send':
      return `send on gate ${w.gate}`;
    case 'page':
      return `page ${w.page}`;
    default:
      return String(w.kind);
  }
}

/** A wire TaskSummary with domain names. */
export function taskView(t: TaskSummary__Output): TaskView {
  return {
    ...t,
    state: MIG_STATE_WIRE.fromWire(t.state) ?? String(t.state),
    run: RUN_STATE_WIRE.fromWire(t.run) ?? String(t.run),
    travelers: t.travelers.map((x) => ({
      ...x,
      status: TRAVELER_STATUS_WIRE.fromWire(x.status) ?? String(x.status),
      wait: waitText(x.wait),
      fault: x.fault ? `${FAULT_KIND_WIRE.fromWire(x.fault.kind) ?? x.fault.kind}: ${x.fault.message}` : '',
    })),
  };
}

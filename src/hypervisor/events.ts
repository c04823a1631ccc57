/**
 * What a node publishes: console lines, MigThread transitions, faults, exits,
 * migrations, the health monitor's entries and partition mode changes.
 * `migvisor watch` streams these; tests read them.
 */
import type { HmAction, HmEvent, HmLevel, PartitionMode, StartCondition } from '../config/index.ts';
import type { FaultKind, MigCommand, MigrationStatus, MigrationStep, MigState } from '../migtask/index.ts';

/** One event of a node, by kind. */
export type NodeEvent =
  | {
      readonly kind: 'console';
      readonly node: string;
      readonly tick: number;
      readonly task: string;
      readonly traveler: number;
      readonly text: string;
    }
  | {
      readonly kind: 'transition';
      readonly node: string;
      readonly tick: number;
      readonly slot: string;
      readonly task: string | undefined;
      readonly from: MigState;
      readonly to: MigState;
      readonly command: MigCommand;
    }
  | {
      readonly kind: 'fault';
      readonly node: string;
      readonly tick: number;
      readonly task: string;
      readonly traveler: number;
      readonly fault: FaultKind;
      readonly message: string;
      readonly pc: number;
      /** The address a memory fault concerns. */
      readonly address?: number;
    }
  | {
      readonly kind: 'exit';
      readonly node: string;
      readonly tick: number;
      readonly task: string;
      readonly traveler: number;
      readonly code: number;
    }
  | {
      readonly kind: 'migration';
      readonly node: string;
      readonly tick: number;
      readonly task: string;
      readonly phase: MigrationStep;
      readonly detail: string;
      /** Step `status`: the migration's new status (QEMU's names). */
      readonly status?: MigrationStatus;
      /** Step `pass`: the pre-copy pass just sent, from 1. */
      readonly pass?: number;
    }
  | {
      /** The health monitor handled an event (an entry of its log). */
      readonly kind: 'hm';
      readonly node: string;
      readonly tick: number;
      readonly partition: string;
      readonly task: string;
      readonly traveler: number;
      readonly event: HmEvent;
      readonly level: HmLevel;
      readonly action: HmAction;
      readonly detail: string;
    }
  | {
      /** A partition changed its operating mode. */
      readonly kind: 'partition';
      readonly node: string;
      readonly tick: number;
      readonly partition: string;
      readonly from: PartitionMode;
      readonly to: PartitionMode;
      readonly condition: StartCondition;
      readonly detail: string;
    };

/** The kinds of node events (`watch --kind`). */
export type NodeEventKind = NodeEvent['kind'];

/** One line of text for a terminal. */
export function formatEvent(e: NodeEvent): string {
  const at = `[${e.node} tick ${e.tick}]`;
  switch (e.kind) {
    case 'console':
      return `${at} ${e.task}/${e.traveler}: ${e.text}`;
    case 'transition':
      return `${at} ${e.slot}${e.task ? ` (${e.task})` : ''}: ${e.from} -> ${e.to} on ${e.command}`;
    case 'fault':
      return `${at} FAULT ${e.task}/${e.traveler}: ${e.fault}: ${e.message}`;
    case 'exit':
      return `${at} ${e.task}/${e.traveler} exited with code ${e.code}`;
    case 'migration':
      return `${at} migration ${e.task}: ${e.phase === 'status' && e.status ? e.status : e.phase === 'pass' ? `pass ${e.pass ?? 0}` : e.phase}${e.detail ? ` ${e.detail}` : ''}`;
    case 'hm':
      return `${at} HM ${e.partition} ${e.task}/${e.traveler}: ${e.event} -> ${e.action} (${e.level} level): ${e.detail}`;
    case 'partition':
      return `${at} partition ${e.partition}: ${e.from} -> ${e.to} (${e.condition}): ${e.detail}`;
  }
}

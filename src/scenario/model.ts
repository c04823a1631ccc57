/**
 * A scenario as the runner uses it: checked, with every default applied, paths
 * absolute, durations in ms, and its matrix expanded into one {@link RunPlan}
 * per combination (see config/scenario.schema.json and docs/TESTING.md).
 */
import type { CompressionChoice, MigrationMode } from '../common/index.ts';
import type { ClusterConfig, LinkDef, LinkProfile } from '../config/index.ts';
import type { CorruptSpec, CutMode, FaultKind } from '../testbed/index.ts';

/** How a task moves: a migration mode, or a park to the archive, or a restore from it. */
export type MoveKind = MigrationMode | 'park' | 'restore';

/** The phases a move's progress reports, in the order they come. */
export const PHASE_ORDER = ['negotiate', 'precopy', 'stop', 'transfer', 'commit', 'release', 'postcopy', 'restore', 'done'] as const;
/** A phase of a move. */
export type Phase = (typeof PHASE_ORDER)[number];

/** The phases a `during` fault may wait for, per kind of move. */
export const PHASES_OF: Readonly<Record<MoveKind, readonly Phase[]>> = {
  full: ['negotiate', 'stop', 'transfer', 'commit'],
  precopy: ['negotiate', 'precopy', 'stop', 'transfer', 'commit'],
  lazy: ['negotiate', 'stop', 'transfer', 'commit', 'postcopy'],
  park: ['negotiate', 'stop', 'transfer', 'commit'],
  restore: ['restore'],
};

/** A task the scenario starts. */
export interface TaskDef {
  readonly name: string;
  readonly node: string;
  readonly partition: string;
  /** Absolute path of the .s source. */
  readonly program: string;
  readonly travelers: number;
  readonly priority: number;
  /** False when a `start` step starts it (else it starts when the run begins). */
  readonly atBegin: boolean;
  readonly line: number;
}

/** A move a step makes (or a `during` fault waits for). */
export interface MoveSpec {
  readonly kind: MoveKind;
  readonly task: string;
  /** migrate, restore: the target node. */
  readonly to?: string;
  readonly compression: CompressionChoice;
  readonly deadlineMs?: number;
}

/** What a fault step hits. */
export interface FaultTarget {
  /** A process: node name or `middleware`. */
  readonly process?: string;
  readonly between?: readonly [string, string];
  readonly from?: string;
  readonly to?: string;
  readonly task?: string;
  readonly gate?: string;
  readonly corrupt?: CorruptSpec;
  readonly byMs?: number;
  readonly forMs?: number;
  readonly mode?: CutMode;
}

/** What a step waits for before it acts. */
export type Trigger =
  | { readonly kind: 'migrated' | 'parked' | 'restored' | 'moved' | 'failed' | 'running' | 'settled'; readonly task: string }
  | { readonly kind: 'console'; readonly task: string; readonly pattern: RegExp };

/** What a step does. */
export type Action =
  | { readonly type: 'move'; readonly move: MoveSpec }
  | { readonly type: 'start' | 'restart'; readonly task: string }
  | { readonly type: 'evacuate'; readonly node: string; readonly mode: MigrationMode }
  | { readonly type: 'fault'; readonly fault: FaultKind; readonly target: FaultTarget; readonly during?: { readonly move: MoveSpec; readonly phase: Phase } }
  | {
      readonly type: 'link';
      readonly change: 'set' | 'cut' | 'heal';
      readonly between: readonly [string, string];
      readonly profile: Partial<LinkProfile>;
      readonly mode: CutMode;
      readonly forMs: number;
    };

/** One step. */
export interface Step {
  /** 0-based position in the file's `steps`. */
  readonly index: number;
  readonly line: number;
  /** The step in words, for reports. */
  readonly text: string;
  readonly atMs?: number;
  readonly after?: Trigger;
  readonly waitMs: number;
  readonly timeoutMs: number;
  readonly action?: Action;
}

/** One expectation. */
export type Expectation = (
  | { readonly kind: 'continuity'; readonly task: string; readonly pattern?: RegExp; readonly minLines: number }
  | { readonly kind: 'transparent' | 'runs_once' | 'lost' | 'intact'; readonly task: string }
  | { readonly kind: 'ends_on'; readonly task: string; readonly node: string }
  | { readonly kind: 'downtime_ms' | 'total_ms'; readonly task: string; readonly max: number }
  | { readonly kind: 'migration_fails'; readonly task: string; readonly code?: string }
) & {
  /** 0-based position in the file's `expect`. */
  readonly index: number;
  readonly line: number;
  /** The expectation in words. */
  readonly text: string;
};

/** One run of a scenario: the scenario itself, or one combination of its matrix. */
export interface RunPlan {
  /** `run`, or the combination, e.g. `mode=lazy fault=kill-sink`. */
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
  readonly seed: number;
  readonly links: readonly LinkDef[];
  readonly tasks: readonly TaskDef[];
  readonly steps: readonly Step[];
  readonly expect: readonly Expectation[];
  /** Line of the `steps` key (the implicit expectation "every step did what it said" points there). */
  readonly stepsLine: number;
  readonly timeoutMs: number;
  readonly settleMs: number;
  readonly bootTasks: boolean;
}

/** A checked scenario file. */
export interface Scenario {
  /** The file as given. */
  readonly file: string;
  readonly name: string;
  /** Absolute path of its cluster file, and the cluster. */
  readonly clusterFile: string;
  readonly cluster: ClusterConfig;
  readonly runs: readonly RunPlan[];
}

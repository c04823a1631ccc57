/**
 * What `migvisor scenario run` reports: one {@link ScenarioReport} per invocation,
 * holding one {@link RunReport} per run (a scenario without a matrix has one run;
 * a campaign has one per matrix cell). The JSON report is this object as is; the
 * JUnit and HTML reports are rendered from it. Times are milliseconds since the
 * run started (its cluster was up and its tasks were started at 0).
 */

/** The verdict of a run or an expectation. `error`: the run could not be carried out (a step broke, the cluster did not start). */
export type Verdict = 'passed' | 'failed' | 'error';

/** Where a task was, over an interval of the run. */
export interface Residence {
  readonly task: string;
  /** A lane: a node's name, or `middleware` for a parked snapshot. */
  readonly lane: string;
  readonly fromMs: number;
  /** Undefined: still there when the run ended. */
  readonly toMs?: number;
  /** What it did there: ran, sat stopped (a migration's downtime, a freeze), was parked, or was lost (its node died). */
  readonly state: 'running' | 'stopped' | 'parked' | 'lost';
}

/** One move of a task: a migration, a park (to the archive) or a restore (from it). */
export interface MoveRecord {
  readonly task: string;
  /** `full`, `precopy`, `lazy`, `park` or `restore`. */
  readonly kind: 'full' | 'precopy' | 'lazy' | 'park' | 'restore';
  /** Lanes: the source and the sink (`middleware` for the archive). */
  readonly from: string;
  readonly to: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The phases as the progress stream reported them, in order (names in lower case: negotiate, precopy, stop, transfer, commit, release, postcopy, restore, done). */
  readonly phases: readonly { readonly phase: string; readonly atMs: number }[];
  /** completed: the task runs at `to`; failed: it runs at `from` again (or was lost, see `error`); refused: nothing moved. */
  readonly outcome: 'completed' | 'failed' | 'refused';
  /** gRPC status name of a failure (UNAVAILABLE, DEADLINE_EXCEEDED, DATA_LOSS, ...). */
  readonly code?: string;
  /** What went wrong, one line. */
  readonly error?: string;
  /** The interval the task's travelers were stopped, when known. */
  readonly downtime?: { readonly fromMs: number; readonly toMs: number };
  /** The migration's statistics as the node reported them (MigrationStats in proto3 JSON), when it got that far. */
  readonly stats?: Record<string, unknown>;
}

/** A fault injected by a step or a command. */
export interface FaultRecord {
  readonly atMs: number;
  /** The fault kind as `migvisor fault --help` lists it (kill-node, restart-node, freeze, cut, corrupt, ...). */
  readonly kind: string;
  /** What it hit: a node, `middleware`, or a link `a<->b`. */
  readonly target: string;
  readonly detail: string;
}

/** A change of a link. */
export interface LinkChange {
  readonly atMs: number;
  readonly between: readonly [string, string];
  readonly change: 'set' | 'cut' | 'heal';
  /** The profile after a set, in words (e.g. `10Mbit 5ms`). */
  readonly profile?: string;
}

/** A step of the scenario as it ran. */
export interface StepRecord {
  /** 0-based position in `steps`. */
  readonly index: number;
  /** Line of the step in the scenario file. */
  readonly line: number;
  /** The step as written, in one line (e.g. `migrate c to field-b (precopy)`). */
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Whether the step did what it said (a migration refused by design still counts as ok when an expectation asks for it). */
  readonly ok: boolean;
  readonly error?: string;
}

/** The verdict of one expectation. */
export interface ExpectationResult {
  /** 0-based position in `expect`. */
  readonly index: number;
  readonly line: number;
  /** `continuity`, `transparent`, `runs_once`, `downtime_ms`, `migration_fails`, ... */
  readonly kind: string;
  /** The task it is about, when it is about one. */
  readonly task?: string;
  /** The expectation as written, in one line. */
  readonly text: string;
  readonly verdict: Verdict;
  /** Why, one or two sentences: what was seen against what was expected. */
  readonly reason: string;
}

/** One run: the scenario, or one cell of its matrix. */
export interface RunReport {
  /** `run` for a scenario without a matrix, else the cell, e.g. `mode=lazy fault=kill-sink phase=transfer`. */
  readonly name: string;
  /** The matrix values of this cell (empty without a matrix). */
  readonly params: Readonly<Record<string, string>>;
  readonly verdict: Verdict;
  /** Set when the verdict is error: what stopped the run. */
  readonly error?: string;
  readonly durationMs: number;
  readonly seed: number;
  /** The lanes of the timeline, in order: the nodes, then `middleware` when there is one. */
  readonly lanes: readonly string[];
  /** The scenario's tasks by name. */
  readonly tasks: readonly string[];
  readonly residences: readonly Residence[];
  readonly moves: readonly MoveRecord[];
  readonly faults: readonly FaultRecord[];
  readonly links: readonly LinkChange[];
  readonly steps: readonly StepRecord[];
  readonly expectations: readonly ExpectationResult[];
}

/** Everything one `scenario run` found. */
export interface ScenarioReport {
  readonly format: 'migvisor-scenario-report';
  readonly version: 1;
  /** The scenario file as given on the command line, and its `name` (its file name when it has none). */
  readonly file: string;
  readonly name: string;
  /** ISO 8601, when the first run started. */
  readonly started: string;
  readonly durationMs: number;
  readonly verdict: Verdict;
  readonly runs: readonly RunReport[];
  readonly summary: {
    readonly runs: number;
    readonly passed: number;
    readonly failed: number;
    readonly errors: number;
    readonly expectations: { readonly passed: number; readonly failed: number; readonly errors: number };
  };
}

/**
 * The closed sets of values of migtask, each listed once (their wire names are
 * mapped in wire-enums.ts). A leaf module: the types and the protocols import
 * from here, so nothing here may import them back.
 */

/** The MigThread states (see the table above). */
export const MIG_STATES = ['MigSink', 'Initializing', 'Receiving', 'Staged', 'MigSource', 'Transferring', 'Committing'] as const;
/** A slot's MigThread state. */
export type MigState = (typeof MIG_STATES)[number];

/** What may trigger a transition: a command, or a step of a protocol driving the slot. */
export const MIG_COMMANDS = ['Initialize', 'Receive', 'StopAndTransfer', 'Kill', 'initialized', 'stage', 'activate', 'commit', 'release', 'abort'] as const;

/** Commands from the command channel and the steps of the protocols that drive it. */
export type MigCommand = (typeof MIG_COMMANDS)[number];

/** The commands a client may send on the command channel and node control (what Info lists). */
export const CHANNEL_COMMANDS = ['Info', 'Initialize', 'Receive', 'StopAndTransfer', 'Kill', 'Pause', 'Resume', 'Save', 'Copy'] as const;
/** A command a client may send. */
export type ChannelCommand = (typeof CHANNEL_COMMANDS)[number];

/** What a traveler does: runs, waits, exited, or stopped by a fault. */
export const TRAVELER_STATUSES = ['ready', 'waiting', 'exited', 'faulted'] as const;
/** A traveler's status. */
export type TravelerStatus = (typeof TRAVELER_STATUSES)[number];

/** What a waiting traveler can wait for. */
export const WAIT_KINDS = ['sleep', 'gate_recv', 'gate_send', 'page'] as const;
/** A kind of wait. */
export type WaitKind = (typeof WAIT_KINDS)[number];

/** Why a traveler can stop: memory faults, CPU traps, a bad system call, a contained simulator defect. */
export const FAULT_KINDS = [
  'unmapped',
  'not-present',
  'read-protected',
  'write-protected',
  'exec-protected',
  'unaligned',
  'lost',
  'bad-opcode',
  'divide-by-zero',
  'bad-pc',
  'bad-syscall',
  'internal',
  // Stopped by the health monitor for an event that is no CPU fault.
  'stack-overflow',
  'deadline-overrun',
  'gate-overflow',
  'application-error',
] as const;
/** A fault's kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a task's travelers are doing, as ps shows it (`stopped`: held by a migration in its stop phase, or staged on a sink). */
export const RUN_STATES = ['empty', 'paused', 'running', 'exited', 'faulted', 'stopped'] as const;
/** A task's run state. */
export type RunState = (typeof RUN_STATES)[number];

/** How a container came to be: a migration (by mode), a save, a restore from the archive. */
export const CONTAINER_MODES = ['full', 'lazy', 'precopy', 'save', 'restore'] as const;
/** A container's mode. */
export type ContainerMode = (typeof CONTAINER_MODES)[number];

/** The steps a migration's progress goes through (`restore`: the archive sends a snapshot). */
export const MIGRATION_PHASES = ['negotiate', 'precopy', 'stop', 'transfer', 'commit', 'release', 'postcopy', 'restore', 'done'] as const;
/** A step of a migration's progress. */
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** A migration's status, with QEMU's names (query-migrate), and `in-doubt`: committed, unconfirmed. */
export const MIGRATION_STATUSES = [
  'setup',
  'active',
  'postcopy-active',
  'postcopy-paused',
  'postcopy-recover',
  'cancelling',
  'cancelled',
  'completed',
  'failed',
  'in-doubt',
] as const;
/** A migration's status. */
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

/** Why a migration is cancelled: somebody asked, or its deadline is declared expired. */
export const CANCEL_REASONS = ['user', 'deadline'] as const;
/** A reason of CancelMigration. */
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * What ends the live rounds of a pre-copy migration: few pages dirty, the rounds
 * ran out, the dirty pages left fit in the downtime limit, or a round did not
 * shrink the dirty set (README, "Migration control": stop rules).
 */
export const PRECOPY_STOPS = ['few-dirty', 'max-rounds', 'downtime-limit', 'no-progress'] as const;
/** A rule that ends pre-copy's live rounds. */
export type PrecopyStop = (typeof PRECOPY_STOPS)[number];

/** What a sink can say of a migration id (QueryMigration): an outcome, or that it never saw it. */
export const QUERY_OUTCOMES = ['unknown', 'receiving', 'staged', 'active', 'aborted'] as const;
/** A QueryMigration answer. */
export type QueryOutcome = (typeof QUERY_OUTCOMES)[number];

/** What a migration event says happened (its `phase`). */
export const MIGRATION_STEPS = [
  'stopped',
  'staged',
  'activated',
  'aborted',
  'resumed',
  'released',
  'in-doubt',
  'postcopy',
  'residual-dropped',
  'residual-lost',
  'residual-complete',
  'forward-failed',
  'saved',
  'status',
  'pass',
  'waiting',
] as const;
/** A step of a migration, as events name it. */
export type MigrationStep = (typeof MIGRATION_STEPS)[number];

/**
 * The wire names of migtask's closed sets (proto/migvisor/v1: types.proto,
 * container.proto, node.proto), each mapped once by the rule of wireEnum.
 */
import { wireEnum } from '../common/index.ts';
import type { MigState__Output as WireMigState } from '../generated/migvisor/v1/MigState.ts';
import type { MigCommand__Output as WireMigCommand } from '../generated/migvisor/v1/MigCommand.ts';
import type { Command__Output as WireCommand } from '../generated/migvisor/v1/Command.ts';
import type { RunState__Output as WireRunState } from '../generated/migvisor/v1/RunState.ts';
import type { TravelerStatus__Output as WireTravelerStatus } from '../generated/migvisor/v1/TravelerStatus.ts';
import type { WaitKind__Output as WireWaitKind } from '../generated/migvisor/v1/WaitKind.ts';
import type { FaultKind__Output as WireFaultKind } from '../generated/migvisor/v1/FaultKind.ts';
import type { ContainerMode__Output as WireContainerMode } from '../generated/migvisor/v1/ContainerMode.ts';
import type { MigrationPhase__Output as WireMigrationPhase } from '../generated/migvisor/v1/MigrationPhase.ts';
import type { MigrationStatus__Output as WireMigrationStatus } from '../generated/migvisor/v1/MigrationStatus.ts';
import type { MigrationOutcome__Output as WireMigrationOutcome } from '../generated/migvisor/v1/MigrationOutcome.ts';
import type { MigrationStep__Output as WireMigrationStep } from '../generated/migvisor/v1/MigrationStep.ts';
import type { CancelReason__Output as WireCancelReason } from '../generated/migvisor/v1/CancelReason.ts';
import type { PrecopyStop__Output as WirePrecopyStop } from '../generated/migvisor/v1/PrecopyStop.ts';
import {
  CANCEL_REASONS,
  CHANNEL_COMMANDS,
  CONTAINER_MODES,
  FAULT_KINDS,
  MIG_COMMANDS,
  MIG_STATES,
  MIGRATION_PHASES,
  MIGRATION_STATUSES,
  MIGRATION_STEPS,
  PRECOPY_STOPS,
  QUERY_OUTCOMES,
  RUN_STATES,
  TRAVELER_STATUSES,
  WAIT_KINDS,
} from './vocabulary.ts';

/** MigState ↔ MIG_STATE_*. */
export const MIG_STATE_WIRE = wireEnum<(typeof MIG_STATES)[number], Extract<WireMigState, string>>('MIG_STATE_', MIG_STATES);
/** MigCommand ↔ MIG_COMMAND_*. */
export const MIG_COMMAND_WIRE = wireEnum<(typeof MIG_COMMANDS)[number], Extract<WireMigCommand, string>>('MIG_COMMAND_', MIG_COMMANDS);
/** ChannelCommand ↔ COMMAND_*. */
export const COMMAND_WIRE = wireEnum<(typeof CHANNEL_COMMANDS)[number], Extract<WireCommand, string>>('COMMAND_', CHANNEL_COMMANDS);
/** RunState ↔ RUN_STATE_*. */
export const RUN_STATE_WIRE = wireEnum<(typeof RUN_STATES)[number], Extract<WireRunState, string>>('RUN_STATE_', RUN_STATES);
/** TravelerStatus ↔ TRAVELER_STATUS_*. */
export const TRAVELER_STATUS_WIRE = wireEnum<(typeof TRAVELER_STATUSES)[number], Extract<WireTravelerStatus, string>>('TRAVELER_STATUS_', TRAVELER_STATUSES);
/** WaitKind ↔ WAIT_KIND_*. */
export const WAIT_KIND_WIRE = wireEnum<(typeof WAIT_KINDS)[number], Extract<WireWaitKind, string>>('WAIT_KIND_', WAIT_KINDS);
/** FaultKind ↔ FAULT_KIND_*. */
export const FAULT_KIND_WIRE = wireEnum<(typeof FAULT_KINDS)[number], Extract<WireFaultKind, string>>('FAULT_KIND_', FAULT_KINDS);
/** ContainerMode ↔ CONTAINER_MODE_*. */
export const CONTAINER_MODE_WIRE = wireEnum<(typeof CONTAINER_MODES)[number], Extract<WireContainerMode, string>>('CONTAINER_MODE_', CONTAINER_MODES);
/** MigrationPhase ↔ MIGRATION_PHASE_*. */
export const MIGRATION_PHASE_WIRE = wireEnum<(typeof MIGRATION_PHASES)[number], Extract<WireMigrationPhase, string>>('MIGRATION_PHASE_', MIGRATION_PHASES);
/** MigrationStatus ↔ MIGRATION_STATUS_*. */
export const MIGRATION_STATUS_WIRE = wireEnum<(typeof MIGRATION_STATUSES)[number], Extract<WireMigrationStatus, string>>('MIGRATION_STATUS_', MIGRATION_STATUSES);
/** QueryOutcome ↔ MIGRATION_OUTCOME_*. */
export const OUTCOME_WIRE = wireEnum<(typeof QUERY_OUTCOMES)[number], Extract<WireMigrationOutcome, string>>('MIGRATION_OUTCOME_', QUERY_OUTCOMES);
/** MigrationStep ↔ MIGRATION_STEP_*. */
export const MIGRATION_STEP_WIRE = wireEnum<(typeof MIGRATION_STEPS)[number], Extract<WireMigrationStep, string>>('MIGRATION_STEP_', MIGRATION_STEPS);

/** CancelReason ↔ CANCEL_REASON_*. */
export const CANCEL_REASON_WIRE = wireEnum<(typeof CANCEL_REASONS)[number], Extract<WireCancelReason, string>>('CANCEL_REASON_', CANCEL_REASONS);

/** PrecopyStop ↔ PRECOPY_STOP_*. */
export const PRECOPY_STOP_WIRE = wireEnum<(typeof PRECOPY_STOPS)[number], Extract<WirePrecopyStop, string>>('PRECOPY_STOP_', PRECOPY_STOPS);

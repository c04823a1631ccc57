/** MigTasks: the MigThread state machine, travelers, containers, and the migration protocols with the host interface they need. */
export { MigThread, acceptedCommands, channelCommands } from './mig-thread.ts';
export type { Transition } from './mig-thread.ts';
export { MigTraveler } from './mig-traveler.ts';
export type { TravelerFault, Wait } from './mig-traveler.ts';
export { MigTask } from './mig-task.ts';
export type { Transit } from './mig-task.ts';
export type { GateMessages, HostCpu, MigrationHost, TaskGates } from './migration-host.ts';
export { ChunkEncoder, ChunkVerifier, ContainerError, decodeHeader, encodeHeader, prepareEncoded, rawChunk, rawChunks } from './container-codec.ts';
export type { PreparedPages, RawChunk } from './container-codec.ts';
export { encodePages } from './page-batch.ts';
export { BATCH_PAGES, containerChunks, containerMode, encodeRegisters, snapshotOf } from './container-snapshot.ts';
export type { ContainerHeader__Output } from './container-snapshot.ts';
export { PAGE_ZERO } from './page-map.ts';
export { endpointFromHeader, endpointFromInfo, incompatibility, localEndpoint, planRefusal } from './compatibility.ts';
export type { Endpoint } from './compatibility.ts';
export { SinkCore } from './sink-core.ts';
export type { Outcome, SinkTarget } from './sink-core.ts';
export { DEFAULT_DEADLINE_MS, DEFAULT_PRECOPY_MAX_ROUNDS, DEFAULT_PRECOPY_STOP_PAGES, round3 } from './migration-run.ts';
export { DEFAULT_DIRTY_WINDOW_MS, DEFAULT_PROBE_BYTES, predictMigration } from './prediction.ts';
export type { PredictContext, PredictOptions } from './prediction.ts';
export { bandwidthOf, dirtiedWithin, fitDirtyCurve, levelledOff, median } from './prediction-fits.ts';
export type { DirtyCurve, DirtySample, LinkProbe } from './prediction-fits.ts';
export { predictOutcome } from './prediction-model.ts';
export type { ModelOutcome, Prediction, PredictionInputs } from './prediction-model.ts';
export { measureBandwidth, measureRtt, RemoteDiscard } from './link-probe.ts';
export type { BandwidthProbe, DiscardPort } from './link-probe.ts';
export { sampleDirty } from './dirty-sampler.ts';
export { MigrationRefused } from './migration-run.ts';
export type { MigrateOptions, MigrationStats } from './migration-run.ts';
export { migrateTask } from './migration-source.ts';
export { DEFAULT_MAX_OUTBOUND, NodeMigrations } from './node-migrations.ts';
export type { MigrationObserver, MigrationOutcome, NodeMigrationsOptions } from './node-migrations.ts';
export { DEFAULT_DOWNTIME_LIMIT_MS, RunControl } from './run-control.ts';
export type { ControlOptions } from './run-control.ts';
export { Pacer, paced, SLICE_MS } from './pacer.ts';
export { nextThrottle, PrecopyGovernor, stopRule, THROTTLE_INITIAL, THROTTLE_MAX, THROTTLE_STEP, transferMs } from './convergence.ts';
export type { RoundFacts } from './convergence.ts';
export { FINAL_STATUSES, publishPass, publishStatus } from './migration-status.ts';
export type { MigrationEventExtra } from './migration-status.ts';
export { TurnQueue } from './turn-queue.ts';
export type { Waiter } from './turn-queue.ts';
export { DEFAULT_DIRTY_RATE_WINDOW_MS, measureDirtyRate } from './dirty-rate.ts';
export type { DirtyRate } from './dirty-rate.ts';
export type { MigrationQuery } from './migration-query.ts';
export { RemoteSink } from './sink-port.ts';
export type { SinkPort, SinkQuery } from './sink-port.ts';
export { containerTargetProblem, encodeChunkDelimited, FILE_MAGIC, readContainerFile, writeContainerFile } from './container-file.ts';
export { inspectContainer } from './container-inspect.ts';
export type { InspectReport } from './container-inspect.ts';
export { PostcopySource, undeliveredBatches } from './postcopy-source.ts';
export { pipelined, slices } from './pipeline.ts';
export { openedStream, streamOfPage } from './side-stream.ts';
export type { StreamTotals } from './side-stream.ts';
export { MAX_STREAMS } from './sink-streams.ts';
export { DEFAULT_STREAMS } from './source-streams.ts';
export {
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
export type {
  CancelReason,
  ChannelCommand,
  ContainerMode,
  FaultKind,
  MigCommand,
  MigrationPhase,
  MigrationStatus,
  MigrationStep,
  MigState,
  PrecopyStop,
  QueryOutcome,
  RunState,
  TravelerStatus,
  WaitKind,
} from './vocabulary.ts';
export {
  CANCEL_REASON_WIRE,
  COMMAND_WIRE,
  CONTAINER_MODE_WIRE,
  FAULT_KIND_WIRE,
  MIG_COMMAND_WIRE,
  MIG_STATE_WIRE,
  MIGRATION_PHASE_WIRE,
  MIGRATION_STATUS_WIRE,
  MIGRATION_STEP_WIRE,
  OUTCOME_WIRE,
  PRECOPY_STOP_WIRE,
  RUN_STATE_WIRE,
  TRAVELER_STATUS_WIRE,
  WAIT_KIND_WIRE,
} from './wire-enums.ts';
export { settingsFromWire, settingsToWire } from './compatibility.ts';
export { toWireChunk, wrapChunks } from './container-codec.ts';

/**
 * What a migration source needs of a sink, whether the sink is another node's
 * MigTask service or the middleware: Info to negotiate, Receive to stage, Commit
 * to activate, Abort and QueryMigration to settle failures, PushPages for the
 * rest of a post-copy migration. {@link RemoteSink} speaks it over gRPC.
 */
import { clientStream, migTaskClient, openUnary, unary, wire, type MigTaskClient } from '../common/index.ts';
import type { CommitRequest } from '../generated/migvisor/v1/CommitRequest.ts';
import type { CommitResponse__Output } from '../generated/migvisor/v1/CommitResponse.ts';
import type { InfoResponse__Output } from '../generated/migvisor/v1/InfoResponse.ts';
import type { PushPagesRequest } from '../generated/migvisor/v1/PushPagesRequest.ts';
import type { ReceiveStreamRequest } from '../generated/migvisor/v1/ReceiveStreamRequest.ts';
import type { ReceiveResponse__Output } from '../generated/migvisor/v1/ReceiveResponse.ts';
import { toWireChunk, wrapChunks, type RawChunk } from './container-codec.ts';
import type { QueryOutcome } from './vocabulary.ts';
import { OUTCOME_WIRE } from './wire-enums.ts';

/** What a sink says of a migration id. */
export interface SinkQuery {
  readonly outcome: QueryOutcome;
  /** Pages verified and installed so far. */
  readonly pagesReceived: number;
  /** Why it was aborted. */
  readonly detail: string;
}

/** A sink as a migration source reaches it: a node's MigTask service, the middleware, or a test double. */
export interface SinkPort {
  /** Its host:port. */
  readonly address: string;
  /** Info for a free slot of `partition`. */
  info(partition: string, ms: number): Promise<InfoResponse__Output>;
  /** Streams a container; resolves once the sink staged it. Aborting `signal` cancels the stream (it rejects with the signal's reason). */
  receive(chunks: AsyncIterable<RawChunk>, ms: number, signal?: AbortSignal): Promise<ReceiveResponse__Output>;
  /** ReceiveStream: stream `stream` (1..) of the container of `migrationId`; absent: the sink takes one stream only. */
  receiveStream?(migrationId: string, stream: number, chunks: AsyncIterable<RawChunk>, ms: number, signal?: AbortSignal): Promise<{ pages: number; bytes: number }>;
  /** Commit: the sink activates the staged container. */
  commit(migrationId: string, ms: number): Promise<void>;
  /**
   * A Commit opened ahead, before the task stops: only its request is sent when
   * the source commits ({@link PreparedCommit}); absent: {@link commit} is used.
   */
  prepareCommit?(migrationId: string, ms: number): PreparedCommit;
  /** Abort: the sink discards what it has of the migration. */
  abort(migrationId: string, reason: string, ms: number): Promise<void>;
  /** QueryMigration. */
  query(migrationId: string, ms: number): Promise<SinkQuery>;
  /** Post-copy: pushes the pages the sink still lacks. */
  pushPages(migrationId: string, chunks: AsyncIterable<RawChunk>, ms: number): Promise<{ installed: number; missing: number }>;
  /** Closes the channel. */
  close(): void;
}

/**
 * A Commit call whose stream is open but whose request is not sent: the sink
 * does nothing with it until {@link send}; {@link cancel} drops it unsent.
 */
export interface PreparedCommit {
  /** Sends the Commit; resolves once the sink activated (rejects as {@link SinkPort.commit} does). */
  send(): Promise<void>;
  /** Whether it failed before it was sent (the source then commits with a fresh call). */
  readonly failed: boolean;
  /** Drops it unsent (the migration did not commit). */
  cancel(): void;
}

/** The Commit method's definition, for calls opened ahead (loaded once). */
let commitMethod: ReturnType<typeof wire>['MigTask']['service']['Commit'] | undefined;

/** A sink reached over gRPC (one channel, kept across migrations). */
export class RemoteSink implements SinkPort {
  private readonly client: MigTaskClient;

  constructor(readonly address: string) {
    this.client = migTaskClient(address);
  }

  info(partition: string, ms: number): Promise<InfoResponse__Output> {
    return unary(this.client.Info, this.client, { partition }, `Info from ${this.address}`, ms);
  }

  receive(chunks: AsyncIterable<RawChunk>, ms: number, signal?: AbortSignal): Promise<ReceiveResponse__Output> {
    // The reply says the sink staged the container: the handoff goes on the moment it is read.
    return clientStream(this.client.Receive, this.client, wrapChunks(chunks), `Receive on ${this.address}`, ms, undefined, signal, true);
  }

  async receiveStream(migrationId: string, stream: number, chunks: AsyncIterable<RawChunk>, ms: number, signal?: AbortSignal): Promise<{ pages: number; bytes: number }> {
    async function* requests(): AsyncGenerator<ReceiveStreamRequest> {
      yield { open: { migrationId, stream } };
      for await (const c of chunks) yield { chunk: toWireChunk(c) };
    }
    const r = await clientStream(this.client.ReceiveStream, this.client, requests(), `ReceiveStream ${stream} on ${this.address}`, ms, undefined, signal);
    return { pages: r.pages, bytes: r.bytes };
  }

  async commit(migrationId: string, ms: number): Promise<void> {
    await unary(this.client.Commit, this.client, { migrationId }, `Commit on ${this.address}`, ms);
  }

  prepareCommit(migrationId: string, ms: number): PreparedCommit {
    commitMethod ??= wire().MigTask.service.Commit;
    // The reply says the sink runs the task: the downtime ends the moment it is read.
    const call = openUnary<CommitRequest, CommitResponse__Output>(this.client, commitMethod, `Commit on ${this.address}`, ms, undefined, true);
    return {
      send: async () => {
        await call.send({ migrationId });
      },
      get failed() {
        return call.failed;
      },
      cancel: () => call.cancel(),
    };
  }

  async abort(migrationId: string, reason: string, ms: number): Promise<void> {
    await unary(this.client.Abort, this.client, { migrationId, reason }, `Abort on ${this.address}`, ms);
  }

  async query(migrationId: string, ms: number): Promise<SinkQuery> {
    const q = await unary(this.client.QueryMigration, this.client, { migrationId }, `QueryMigration on ${this.address}`, ms);
    return { outcome: OUTCOME_WIRE.fromWire(q.outcome) ?? 'unknown', pagesReceived: q.pagesReceived, detail: q.detail };
  }

  async pushPages(migrationId: string, chunks: AsyncIterable<RawChunk>, ms: number): Promise<{ installed: number; missing: number }> {
    async function* requests(): AsyncGenerator<PushPagesRequest> {
      yield { migrationId };
      for await (const c of chunks) yield { chunk: toWireChunk(c) };
    }
    const r = await clientStream(this.client.PushPages, this.client, requests(), `PushPages to ${this.address}`, ms);
    return { installed: r.installed, missing: r.missing };
  }

  close(): void {
    this.client.close();
  }
}

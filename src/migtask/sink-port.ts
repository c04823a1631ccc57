/**
 * What a migration source needs of a sink, whether the sink is another node's
 * MigTask service or the middleware: Info to negotiate, Receive to stage, Commit
 * to activate, Abort and QueryMigration to settle failures.
 */
import * as grpc from '@grpc/grpc-js';
import { clientStream, migTaskClient, unary, type MigTaskClient } from '../common/index.ts';
import type { PushPagesReply__Output } from '../generated/migvisor/v1/PushPagesReply.ts';
import type { CommitReply__Output } from '../generated/migvisor/v1/CommitReply.ts';
import type { InfoReply__Output } from '../generated/migvisor/v1/InfoReply.ts';
import type { QueryMigrationReply__Output } from '../generated/migvisor/v1/QueryMigrationReply.ts';
import type { ReceiveReply__Output } from '../generated/migvisor/v1/ReceiveReply.ts';
import type { RawChunk } from './container-codec.ts';

/** The metadata header naming the migration a PushPages stream belongs to. */
export const MIGRATION_ID_HEADER = 'migration-id';

/** Reads the migration id a PushPages call carries in its metadata. */
export function migrationIdOf(metadata: grpc.Metadata): string {
  const v = metadata.get(MIGRATION_ID_HEADER)[0];
  return typeof v === 'string' ? v : v ? v.toString() : '';
}

/** A sink as a migration source reaches it: a node's MigTask service, the middleware, or a test double. */
export interface SinkPort {
  readonly address: string;
  info(partition: string, ms: number): Promise<InfoReply__Output>;
  receive(chunks: AsyncIterable<RawChunk>, ms: number): Promise<ReceiveReply__Output>;
  commit(migrationId: string, ms: number): Promise<CommitReply__Output>;
  abort(migrationId: string, reason: string, ms: number): Promise<void>;
  query(migrationId: string, ms: number): Promise<QueryMigrationReply__Output>;
  /** Post-copy: pushes the pages the sink still lacks. */
  pushPages(migrationId: string, chunks: AsyncIterable<RawChunk>, ms: number): Promise<PushPagesReply__Output>;
  close(): void;
}

/** A sink reached over gRPC (one channel, kept across migrations). */
export class RemoteSink implements SinkPort {
  private readonly client: MigTaskClient;

  constructor(readonly address: string) {
    this.client = migTaskClient(address);
  }

  info(partition: string, ms: number): Promise<InfoReply__Output> {
    return unary(this.client.Info, this.client, { partition }, `Info from ${this.address}`, ms);
  }

  receive(chunks: AsyncIterable<RawChunk>, ms: number): Promise<ReceiveReply__Output> {
    return clientStream(this.client.Receive, this.client, chunks, `Receive on ${this.address}`, ms);
  }

  commit(migrationId: string, ms: number): Promise<CommitReply__Output> {
    return unary(this.client.Commit, this.client, { migrationId }, `Commit on ${this.address}`, ms);
  }

  async abort(migrationId: string, reason: string, ms: number): Promise<void> {
    await unary(this.client.Abort, this.client, { migrationId, reason }, `Abort on ${this.address}`, ms);
  }

  query(migrationId: string, ms: number): Promise<QueryMigrationReply__Output> {
    return unary(this.client.QueryMigration, this.client, { migrationId }, `QueryMigration on ${this.address}`, ms);
  }

  pushPages(migrationId: string, chunks: AsyncIterable<RawChunk>, ms: number): Promise<PushPagesReply__Output> {
    const metadata = new grpc.Metadata();
    metadata.set(MIGRATION_ID_HEADER, migrationId);
    return clientStream(this.client.PushPages, this.client, chunks, `PushPages to ${this.address}`, ms, metadata);
  }

  close(): void {
    this.client.close();
  }
}

/**
 * A real sink whose Commit and QueryMigration answers the source never gets
 * while `silent` is set: what a migration in doubt looks like from the source (a
 * sink that took the container, then went quiet). The test lets the answers
 * through by clearing `silent`.
 */
import { Code, MigvisorError } from '../../src/common/index.ts';
import type { RawChunk, RemoteSink, SinkPort } from '../../src/migtask/index.ts';

const unavailable = (): MigvisorError => new MigvisorError('held back by the test', Code.UNAVAILABLE);

export class SilentSink implements SinkPort {
  silent = true;
  /** The migration the source tried to commit. */
  committing = '';
  constructor(private readonly real: RemoteSink) {}
  get address(): string {
    return this.real.address;
  }
  info(p: string, ms: number) {
    return this.real.info(p, ms);
  }
  receive(c: AsyncIterable<RawChunk>, ms: number) {
    return this.real.receive(c, ms);
  }
  abort(id: string, reason: string, ms: number) {
    return this.real.abort(id, reason, ms);
  }
  pushPages(...args: Parameters<RemoteSink['pushPages']>) {
    return this.real.pushPages(...args);
  }
  async commit(id: string, ms: number) {
    this.committing = id;
    if (this.silent) throw unavailable();
    return this.real.commit(id, ms);
  }
  async query(id: string, ms: number) {
    if (this.silent) throw unavailable();
    return this.real.query(id, ms);
  }
  close(): void {
    this.real.close();
  }
}

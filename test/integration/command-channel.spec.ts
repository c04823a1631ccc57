/**
 * The MigTask command channel over gRPC (README, "The command channel"): a
 * command in the wrong state is refused with a status and a message naming the
 * state and the command; transitional states show in Info and ps while a
 * migration is in flight (held mid-stream by a proxy).
 */
import { expect } from 'chai';
import { serverStream, unary } from '../../src/common/clients.ts';
import { Code } from '../../src/common/errors.ts';
import {
  cleanup,
  cliOk,
  control,
  example,
  fixture,
  info,
  migTask,
  oneLineError,
  poll,
  ps,
  rejection,
  runCli,
  slotStates,
  spawnCli,
  startNodes,
  stateOf,
  startTask,
  type NodeProcess,
} from '../support/processes.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const FIELD = fixture('cluster-field.yaml');

describe('MigTask command channel', function () {
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;
  let counter: string;

  before(async function () {
    this.timeout(30_000);
    nodes = await startNodes(FIELD, ['field-a', 'field-b']);
    A = nodes['field-a']!.address;
    B = nodes['field-b']!.address;
    counter = (await ps(A)).find((t) => t.program === 'counter.s')!.taskId;
  });

  after(cleanup);

  /** Runs StopAndTransfer to the end and returns the error it fails with. */
  async function stopAndTransferError(address: string, request: { task: string; sink: string; mode?: 'MIGRATION_MODE_FULL' | number }): Promise<Error & { code?: number }> {
    const c = migTask(address);
    // An enum number outside MigrationMode goes on the wire as it is (its type has no room for it).
    const mode = (request.mode ?? 'MIGRATION_MODE_FULL') as 'MIGRATION_MODE_FULL';
    const call = c.StopAndTransfer({ taskId: request.task, sink: request.sink, mode, compression: 'COMPRESSION_UNSPECIFIED' });
    return rejection(
      (async () => {
        for await (const _ of serverStream(call, 'StopAndTransfer')) {
          // progress
        }
      })(),
    );
  }

  it('refuses Initialize when the partition has no MigSink slot, naming the partition', async () => {
    const c = migTask(B);
    const busy = [await startTask(B, 'ctrl', example('counter.s')), await startTask(B, 'ctrl', example('counter.s'))];
    const program = { partition: 'ctrl', programName: 'counter.s', programSource: 'start: b start\n', travelers: 1, priority: 10 };
    const e = await rejection(unary(c.Initialize, c, program, 'Initialize'));
    expect(e.code).to.equal(Code.RESOURCE_EXHAUSTED);
    expect(e.message).to.equal('no free slot in partition ctrl on node field-b (2 slots, all in use)');
    const k = control(B);
    for (const task of busy) await unary(k.Kill, k, { taskId: task }, 'kill');
    expect(await slotStates(B, 'ctrl')).to.deep.equal(['ctrl/0 MigSink', 'ctrl/1 MigSink']);
  });

  it('refuses Initialize of an unknown partition with NOT_FOUND', async () => {
    const c = migTask(B);
    const e = await rejection(unary(c.Initialize, c, { partition: 'nope', programSource: 'start: b start\n', travelers: 1 }, 'Initialize'));
    expect(e.code).to.equal(Code.NOT_FOUND);
    expect(e.message).to.equal('partition "nope" not found on node field-b');
  });

  it('refuses Commit of an unknown migration with NOT_FOUND naming the migration and the node', async () => {
    const c = migTask(B);
    const e = await rejection(unary(c.Commit, c, { migrationId: 'no-such-migration' }, 'Commit'));
    expect(e.code).to.equal(Code.NOT_FOUND);
    expect(e.message).to.equal('migration "no-such-migration" not found on field-b');
  });

  it('answers QueryMigration and Abort of an unknown migration with "unknown"', async () => {
    const c = migTask(B);
    expect((await unary(c.QueryMigration, c, { migrationId: 'no-such-migration' }, 'QueryMigration')).outcome).to.equal('MIGRATION_OUTCOME_UNKNOWN');
    expect((await unary(c.Abort, c, { migrationId: 'no-such-migration', reason: 'test' }, 'Abort')).outcome).to.equal('MIGRATION_OUTCOME_UNKNOWN');
  });

  it('refuses StopAndTransfer of an unknown task with NOT_FOUND, and of a bad mode with INVALID_ARGUMENT', async () => {
    const unknown = await stopAndTransferError(A, { task: 'nope-1', sink: B });
    expect(unknown.code).to.equal(Code.NOT_FOUND);
    expect(unknown.message).to.equal('task "nope-1" not found on node field-a');
    // A mode the contract does not define: an enum number outside MigrationMode.
    const mode = await stopAndTransferError(A, { task: counter, sink: B, mode: 99 });
    expect(mode.code).to.equal(Code.INVALID_ARGUMENT);
    expect(await stateOf(A, counter)).to.equal('MigSource');
  });

  it('refuses StopAndTransfer of a MigSink slot with FAILED_PRECONDITION or NOT_FOUND', async () => {
    const e = await stopAndTransferError(A, { task: 'ctrl/1', sink: B });
    expect([Code.FAILED_PRECONDITION, Code.NOT_FOUND]).to.include(e.code);
    expect(e.message).to.contain('ctrl/1');
  });

  it('shows Transferring on the source and Receiving on the sink while a transfer is in flight, and refuses commands there', async () => {
    const proxy = await TcpProxy.start(B);
    try {
      // Negotiation and the container header pass; the page chunk is held.
      proxy.holdAfter(4096);
      const m = spawnCli(['migrate', counter, '--from', A, '--to', proxy.address, '--compress', 'none', '--json']);
      await Promise.race([
        proxy.whenHolding(10_000),
        m.result.then((r) => {
          throw new Error(`migrate ended before the transfer was held: exit ${r.code}: ${r.stderr}`);
        }),
      ]).catch(async (e: unknown) => {
        throw new Error(`${String(e)}; reads ${proxy.reads.join(',')}; source ${await stateOf(A, counter)}; ${JSON.stringify(await slotStates(B, 'ctrl'))}`);
      });
      await poll('the sink to show Receiving', async () => (await slotStates(B, 'ctrl'))[0] === 'ctrl/0 Receiving');

      const text = await cliOk(['info', '--node', A, '--task', counter]);
      expect(text).to.contain(`slot ctrl/0: Transferring (task ${counter}), accepts Info`);
      const table = await cliOk(['ps', '--node', B]);
      expect(table).to.match(/ctrl\/0\s*│[^\n]*Receiving/);
      expect((await info(A, { task: counter })).slot?.acceptedCommands).to.deep.equal(['COMMAND_INFO']);

      const pause = await runCli(['pause', counter, '--node', A]);
      expect(oneLineError(pause)).to.equal('migvisor: Pause refused in state Transferring');
      const c = control(A);
      const copy = await rejection(unary(c.Copy, c, { taskId: counter }, 'Copy'));
      expect(copy.code).to.equal(Code.FAILED_PRECONDITION);
      expect(copy.message).to.match(/^Copy refused in state Transferring/);
      const again = await stopAndTransferError(A, { task: counter, sink: B });
      expect(again.code).to.equal(Code.FAILED_PRECONDITION);
      expect(again.message).to.match(/^StopAndTransfer refused in state Transferring/);

      // Let it go: the migration completes.
      proxy.release();
      const r = await m.result;
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout).stats).to.include({ status: 'MIGRATION_STATUS_COMPLETED', taskId: counter });
      expect(await stateOf(B, counter)).to.equal('MigSource');
    } finally {
      await proxy.close();
    }
  });
});

/**
 * The health monitor and partition modes on real node processes, through the
 * CLI: a divide by zero restarts its task (task-level table) and shows in
 * `migvisor hm log` and on watch; `partition mode` restarts a partition and
 * refuses an invalid transition; a task that migrated reads MIGRATED as its
 * start condition on the sink.
 */
import { expect } from 'chai';
import { cleanup, cliJson, cliOk, EventLog, fixture, runCli, startNodes, startTask, type NodeProcess } from '../support/processes.ts';

const FILE = fixture('cluster-hm.yaml');

interface HmLogJson {
  readonly entries?: { event: string; level: string; action: string; partition: string; taskId: string; details: string }[];
}
interface StatusJson {
  readonly partitions: { partition: string; mode: string; startCondition: string; modeChanges?: number; tasks?: { taskId: string; startCondition: string }[] }[];
}

describe('Health monitor and partition modes (real nodes)', function () {
  this.timeout(30_000);
  let nodes: Record<string, NodeProcess>;
  let A: string;
  let B: string;

  before(async () => {
    nodes = await startNodes(FILE, ['hm-a', 'hm-b']);
    A = nodes['hm-a']!.address;
    B = nodes['hm-b']!.address;
  });

  after(cleanup);

  it('a divide by zero restarts the task from its entry, shown in hm log and on watch', async () => {
    const watch = new EventLog(A, { kinds: ['hm', 'console'] });
    const task = await startTask(A, 'ctrl', fixture('programs/hm-divide.s'));
    await watch.waitFor((e) => e.kind === 'hm' && e.task === task, 10_000, 'an HM entry for the task');
    // Started again after the restart.
    await watch.waitFor((e) => e.kind === 'console' && e.task === task && watch.console(task).length >= 2, 10_000, 'a second "start"');
    const hm = watch.events.find((e) => e.kind === 'hm' && e.task === task)!;
    expect([hm.event, hm.action]).to.deep.equal(['divide-by-zero', 'restart-task']);

    const log = await cliJson<HmLogJson>(['hm', 'log', '--node', A, '--json']);
    const mine = (log.entries ?? []).filter((e) => e.taskId === task);
    expect(mine.length).to.be.greaterThan(0);
    expect(mine[0]).to.include({ event: 'divide-by-zero', level: 'task', action: 'restart-task', partition: 'ctrl' });
    expect(mine[0]!.details).to.match(/task restarted from its entry \(no checkpoint\)/);

    const text = await cliOk(['hm', 'log', '--node', A, '--limit', '1']);
    expect(text).to.match(/^hm-a at tick \d+: 1 HM entry/);
    expect(text).to.match(/divide-by-zero.*task.*restart-task/);

    // The task keeps faulting and restarting: watch shows the next HM entry.
    const line = await cliOk(['watch', '--node', A, '--kind', 'hm', '--task', task, '--count', '1']);
    expect(line.trim()).to.match(new RegExp(`^\\[hm-a tick \\d+\\] HM ctrl ${task}/0: divide-by-zero -> restart-task \\(task level\\): .*task restarted from its entry`));
    watch.close();
    await cliOk(['kill', task, '--node', A]);
  });

  it('partition mode COLD_START restarts the partition; NORMAL from IDLE is refused (INVALID_MODE)', async () => {
    const watch = new EventLog(A, { kinds: ['partition', 'console'] });
    const task = await startTask(A, 'ctrl', fixture('programs/hm-status.s'));
    await watch.waitFor((e) => e.kind === 'console' && e.task === task, 10_000, 'a first "cond"');

    const out = await cliOk(['partition', 'mode', '--node', A, 'ctrl', 'COLD_START']);
    expect(out).to.match(/partition ctrl: COLD_START \(NO_ERROR\); now NORMAL, start condition PARTITION_RESTART/);
    await watch.waitFor((e) => e.kind === 'console' && e.task === task && e.text === 'cond 1', 10_000, '"cond 1" after the restart');
    const modes = watch.events.filter((e) => e.kind === 'partition').map((e) => e.mode);
    expect(modes).to.deep.equal(['COLD_START', 'NORMAL']);

    const status = await cliJson<StatusJson>(['partition', 'status', '--node', A, 'ctrl', '--json']);
    expect(status.partitions).to.have.length(1);
    expect(status.partitions[0]).to.include({ partition: 'ctrl', mode: 'NORMAL', startCondition: 'PARTITION_RESTART', modeChanges: 2 });

    await cliOk(['partition', 'mode', '--node', A, 'ctrl', 'IDLE']);
    const refused = await runCli(['partition', 'mode', '--node', A, 'ctrl', 'NORMAL']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr.trim()).to.equal(`migvisor: partition ctrl on ${A}: NORMAL refused in mode IDLE (INVALID_MODE)`);
    const unknown = await runCli(['partition', 'status', '--node', A, 'nope']);
    expect([unknown.code, unknown.stderr.trim()]).to.deep.equal([1, 'migvisor: partition "nope" not found on node hm-a']);
    const again = await cliOk(['partition', 'mode', '--node', A, 'ctrl', 'IDLE']);
    expect(again).to.match(/already IDLE \(NO_ACTION\)/);
    await cliOk(['partition', 'mode', '--node', A, 'ctrl', 'COLD_START']);
    watch.close();
    await cliOk(['kill', task, '--node', A]);
  });

  it('a task that arrived by migration reads MIGRATED as its start condition', async () => {
    const task = await startTask(A, 'ctrl', fixture('programs/hm-status.s'));
    const before = await cliJson<StatusJson>(['partition', 'status', '--node', A, '--json']);
    // A task started after the partition's restart has its own start: NORMAL_START.
    expect(before.partitions[0]!.tasks!.find((t) => t.taskId === task)!.startCondition).to.equal('NORMAL_START');
    const watch = new EventLog(B, { kinds: ['console'] });
    await cliOk(['migrate', task, '--from', A, '--to', B, '--json']);
    await watch.waitFor((e) => e.kind === 'console' && e.task === task && e.text === 'cond 4', 10_000, '"cond 4" on the sink');
    const after = await cliJson<StatusJson>(['partition', 'status', '--node', B, 'ctrl', '--json']);
    expect(after.partitions[0]!.startCondition).to.equal('NORMAL_START');
    expect(after.partitions[0]!.tasks).to.deep.equal([{ taskId: task, slot: 'ctrl/0', startCondition: 'MIGRATED' }]);
    watch.close();
  });
});

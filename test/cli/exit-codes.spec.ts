/**
 * The exit codes the README promises, per command: 0 on success, 1 for a
 * runtime failure or a bad command line (one line `migvisor: ...` on stderr), 2
 * for an invalid input file (every problem as FILE:LINE: message), whether the
 * file is checked offline or by a node it was sent to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { cleanup, fixture, oneLineError, runCli, startNodes, tempDir, type NodeProcess } from '../support/processes.ts';

const FIELD = fixture('cluster-field.yaml');

describe('exit codes', function () {
  this.timeout(30_000);
  let nodes: Record<string, NodeProcess>;
  let dir: string;
  let badProgram: string;

  before(async () => {
    nodes = await startNodes(FIELD, ['field-a', 'field-c'], { boot: true });
    dir = tempDir('migvisor-exit-');
    badProgram = path.join(dir, 'bad.s');
    fs.writeFileSync(badProgram, '.text\nstart:\n  li r1, 1\n  frobnicate r1\n  b nowhere\n');
  });

  after(() => cleanup());

  it('0: --help, and a command that worked', async () => {
    expect((await runCli(['--help'])).code).to.equal(0);
    expect((await runCli(['ps', '--node', nodes['field-a']!.address])).code).to.equal(0);
  });

  it('1: a bad command line, in one line', async () => {
    oneLineError(await runCli(['ps', '--node', nodes['field-a']!.address, '--bogus']));
    const kind = oneLineError(await runCli(['watch', '--node', nodes['field-a']!.address, '--kind', 'no-such-kind', '--count', '1']));
    expect(kind).to.match(/--kind must be console, transition, fault, exit, migration, hm or partition, got no-such-kind/);
    // A move named by --node alone is told what a move takes, not "did you mean --mode".
    const move = oneLineError(await runCli(['migrate', 'c', '--node', nodes['field-a']!.address]));
    expect(move).to.equal("migvisor: unknown option '--node': migrate moves a task with --from NODE --to NODE (--node is for migrate status, cancel, set and recover)");
    // The commands that take --node still do.
    expect(oneLineError(await runCli(['migrate', 'status', 'c', '--node', '127.0.0.1:1']))).to.match(/unreachable/);
    // A number the request field cannot hold is refused under the flag's name, as typed (not wrapped by the wire).
    const move2 = ['migrate', 'c', '--from', '127.0.0.1:1', '--to', '127.0.0.1:2'];
    expect(oneLineError(await runCli([...move2, '--deadline-ms', '99999999999']))).to.equal('migvisor: --deadline-ms must be an integer from 1 to 3600000, got 99999999999');
    expect(oneLineError(await runCli([...move2, '--deadline-ms', '0']))).to.equal('migvisor: --deadline-ms must be an integer from 1 to 3600000, got 0');
    expect(oneLineError(await runCli([...move2, '--precopy-max-rounds', '0']))).to.equal('migvisor: --precopy-max-rounds must be an integer from 1 to 1000, got 0');
    expect(oneLineError(await runCli([...move2, '--streams', '17']))).to.equal('migvisor: --streams must be an integer from 1 to 16, got 17');
  });

  it('1: a runtime failure (unreachable node, refused migration), in one line', async () => {
    expect(oneLineError(await runCli(['ps', '--node', '127.0.0.1:1']))).to.match(/unreachable/);
    const ps = JSON.parse((await runCli(['ps', '--node', nodes['field-a']!.address, '--json'])).stdout) as { tasks: { taskId: string }[] };
    const task = ps.tasks.find((t) => t.taskId)!.taskId;
    const refused = oneLineError(await runCli(['migrate', task, '--from', nodes['field-a']!.address, '--to', nodes['field-c']!.address]));
    expect(refused).to.match(/word size differs/);
  });

  it('2: an invalid program, offline (asm) and sent to a node (task start), with the same FILE:LINE lines', async () => {
    const offline = await runCli(['asm', badProgram]);
    expect(offline.code).to.equal(2);
    const remote = await runCli(['task', 'start', '--node', nodes['field-a']!.address, '--partition', 'ctrl', '--program', badProgram]);
    expect(remote.code, remote.stderr).to.equal(2);
    const lines = remote.stderr.trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^bad\.s:4: unknown instruction "frobnicate"/);
    expect(lines[1]).to.match(/^bad\.s:5: .*nowhere/);
    expect(offline.stderr.trim().split('\n').map((l) => l.replace(/^.*bad\.s:/, 'bad.s:'))).to.deep.equal(lines);
  });

  it('2: a hostile program file: its problems reach the terminal without a control character', async () => {
    const hostile = path.join(dir, 'hostile.s');
    fs.writeFileSync(hostile, 'nop\n\u001b]0:owned\u0007\u001b[2J!\n');
    const r = await runCli(['asm', hostile]);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal(`${hostile}:2: cannot parse "\\u001b]0:owned\\u0007\\u001b[2J!"`);
    const binary = path.join(dir, 'binary.s');
    fs.writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x1b, 0x5b, 0x32, 0x4a]));
    const b = await runCli(['asm', binary]);
    expect(b.code).to.equal(2);
    expect(b.stderr).to.equal(`${binary}:1: a NUL byte: this is not assembly source text (a binary file?)\n`);
  });

  it('1: a control character in an error from anywhere is shown escaped, on one line', async () => {
    const r = await runCli(['simulate', FIELD, '--node', 'field-a', '--ticks', '\u001b[2J\n12']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('migvisor: --ticks must be a non-negative integer, got \\x1b[2J 12\n');
  });

  it('1: a folder that cannot be made (under /proc) is refused at once, before a campaign runs or a store opens', async function () {
    if (!fs.existsSync('/proc/self')) this.skip();
    const scenario = path.join('config', 'scenarios', 'counter-link.yaml');
    const report = await runCli(['scenario', 'run', scenario, '--report', '/proc/migvisor-nope/out'], { timeoutMs: 20_000 });
    expect(report.code).to.equal(1);
    expect(report.stderr).to.equal('migvisor: cannot create the report folder /proc/migvisor-nope/out: no such file\n');
    const store = await runCli(['middleware', 'start', '--store', 'file:///proc/migvisor-nope/store', '--listen', '127.0.0.1:0'], { timeoutMs: 20_000 });
    expect(store.code).to.equal(1);
    expect(store.stderr).to.match(/^migvisor: cannot open the store file:\/\/\/proc\/migvisor-nope\/store: cannot create the folder \/proc\/migvisor-nope\/store\/packs: no such file\n$/);
  });

  it('2: a container file larger than any container (a sparse 3 GiB file) is refused by name, without reading it', async () => {
    const huge = path.join(dir, 'huge.mvc');
    fs.writeFileSync(huge, 'MVC1');
    fs.truncateSync(huge, 3 * 2 ** 30);
    try {
      const r = await runCli(['inspect', huge]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(`migvisor: cannot read ${huge}: larger than 2 GiB, more than any file migvisor reads\n`);
    } finally {
      fs.rmSync(huge, { force: true });
    }
  });

  it('2: an invalid cluster file and a container that does not verify', async () => {
    expect((await runCli(['config', 'check', fixture('config/invalid.yaml')])).code).to.equal(2);
    const junk = path.join(dir, 'junk.mvc');
    fs.writeFileSync(junk, 'MVC1 this is not a container');
    expect((await runCli(['inspect', junk])).code).to.equal(2);
  });
});

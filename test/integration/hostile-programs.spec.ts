/**
 * Hostile programs against a real node and the offline assembler: a 28-byte
 * source asking for 256 MiB of .data, an alignment of 4 GiB, 10,000 nested
 * parentheses and a shift by two billion are refused with FILE:LINE messages
 * naming the limit; the node that was asked to assemble them goes on running
 * its tasks. README "## Limits".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { unary } from '../../src/common/clients.ts';
import { Code, MigvisorError } from '../../src/common/errors.ts';
import { cleanup, healthStatus, migTask, pidAlive, ps, runCli, startNode, tempDir, type NodeProcess } from '../support/processes.ts';

describe('hostile programs', function () {
  this.timeout(30_000);
  let node: NodeProcess;
  let dir: string;
  const write = (name: string, text: string): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  before(async () => {
    dir = tempDir('migvisor-hostile-');
    node = await startNode('config/cluster.yaml', 'field-a');
  });
  after(cleanup);

  it('task start with a 256 MiB .data is refused at its line, and the node runs on', async () => {
    const big = write('big.s', '.data\nbig: .zero 0x10000000\n');
    const r = await runCli(['task', 'start', '--node', node.address, '--partition', 'ctrl', '--program', big]);
    expect(r.stderr.trim()).to.match(/^(migvisor: )?\S*big\.s:2: \.data would grow to 268435456 bytes, more than region data \(\d+ bytes\)$/);
    expect(r.code).to.not.equal(0);
    // The node assembles what Initialize sends it, and refuses it the same way.
    const c = migTask(node.address);
    const e = await unary(c.Initialize, c, { partition: 'ctrl', programName: 'big.s', programSource: '.data\nbig: .zero 0x10000000\n' }, 'initialize').catch((x: unknown) => x as MigvisorError);
    expect(e).to.be.instanceOf(MigvisorError);
    expect((e as MigvisorError).code).to.equal(Code.INVALID_ARGUMENT);
    expect((e as MigvisorError).message).to.match(/^big\.s:2: \.data would grow to 268435456 bytes, more than region data \(\d+ bytes\)$/);
    expect(pidAlive(node.pid)).to.equal(true);
    expect(await healthStatus(node.address)).to.equal('SERVING');
    expect((await ps(node.address)).find((t) => t.program === 'counter.s')?.run).to.equal('running');
  });

  it('offline asm refuses huge sections, alignments, nesting and shifts with exit 2', async () => {
    const cases: [string, string, RegExp][] = [
      ['zero.s', '.data\nbig: .zero 0x10000000\n', /zero\.s:2: \.data would grow to 268435456 bytes, more than the assembler's limit \(67108864 bytes\)/],
      ['align.s', 'nop\n.align 0x100000000\n', /align\.s:2: \.align 4294967296 is coarser than the limit of 1048576/],
      ['nest.s', `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}\n`, /nest\.s:1: expression nested deeper than 256 levels/],
      ['shift.s', 'x = 1 << 2000000000\n', /shift\.s:1: shift amount 2000000000 out of range 0\.\.127/],
      ['ascii.s', `.data\n.ascii "${'a'.repeat(200_000)}"\n`, /ascii\.s:2: line is 200009 characters long, more than the limit of 65536/],
    ];
    for (const [name, text, expected] of cases) {
      const r = await runCli(['asm', write(name, text)]);
      expect(r.code, `${name}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trim().split('\n'), name).to.have.length(1);
      expect(r.stderr, name).to.match(expected);
    }
  });
});

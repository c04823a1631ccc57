import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { DEFAULT_DATA_BASE, DEFAULT_TEXT_BASE } from '../../src/machine/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function migvisor(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/migvisor.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('migvisor asm', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-asm-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('assembles an example program and summarises it', () => {
    const run = migvisor('asm', 'config/programs/counter.s');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(/^config\/programs\/counter\.s: \d+ instructions, text \d+ bytes at 0x10000, data \d+ bytes at 0x100000, entry 0x10000\n$/);
  });

  it('writes an object file that task start and simulate accept', () => {
    const obj = path.join(dir, 'counter.mvx');
    expect(migvisor('asm', 'config/programs/counter.s', '-o', obj).status).to.equal(0);
    expect(fs.readFileSync(obj).subarray(0, 4).toString()).to.equal('MVX1');
    const run = migvisor('simulate', '--node', 'field-b', '--ticks', '25', '--task', `ctrl:${obj}`, '--json');
    expect(run.status, run.stderr).to.equal(0);
    // simulate --json: the PsResponse fields and the node's events, in the proto3 JSON mapping.
    const out = JSON.parse(run.stdout) as { events: { kind: string; console?: { text: string } }[] };
    expect(out.events.filter((e) => e.kind === 'EVENT_KIND_CONSOLE').map((e) => e.console?.text)).to.deep.equal(['counter 1', 'counter 2', 'counter 3']);
  });

  it('refuses an object file built for another CPU when a task starts', () => {
    const obj = path.join(dir, 'counter64.mvx');
    expect(migvisor('asm', 'config/programs/counter.s', '--word', '64', '--endian', 'big', '-o', obj).status).to.equal(0);
    const run = migvisor('simulate', '--node', 'field-b', '--ticks', '5', '--task', `ctrl:${obj}`);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/built for 64-bit big-endian, node is 32-bit little-endian/);
  });

  it('prints a listing with addresses, encodings and source lines', () => {
    const run = migvisor('asm', 'config/programs/counter.s', '--listing');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(/^ +0x10000 {2}[0-9a-f]{8} [0-9a-f]{8} +\d+ {2}loop: {3}la {4}r4, count$/m);
  });

  it('reports every error as FILE:LINE: message and exits 2', () => {
    const src = path.join(dir, 'bad.s');
    fs.writeFileSync(src, '  .text\nstart: addd r1, r2, r3\n  li r1\n  b nowhere\n');
    const run = migvisor('asm', src);
    expect(run.status).to.equal(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[0]).to.equal(`${src}:2: unknown instruction "addd"`);
    expect(lines[1]).to.match(new RegExp(`^${src}:3: li takes 2 operands`));
    expect(lines[2]).to.match(new RegExp(`^${src}:4: undefined symbol "nowhere"`));
  });

  it('refuses a bad --word with one clear line', () => {
    const run = migvisor('asm', 'config/programs/counter.s', '--word', '16');
    expect(run.status).to.equal(1);
    expect(run.stderr).to.equal('migvisor: --word must be 32 or 64, got 16\n');
  });

  it('names the assembler\'s default bases in its help (the help is written without loading the assembler)', () => {
    const run = migvisor('asm', '--help');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`--text-base <addr> +virtual address of \\.text \\(default: 0x${DEFAULT_TEXT_BASE.toString(16)}\\)`));
    expect(run.stdout).to.match(new RegExp(`--data-base <addr> +virtual address of \\.data \\(default: 0x${DEFAULT_DATA_BASE.toString(16)}\\)`));
  });
});

describe('migvisor simulate', () => {
  it('prints console lines with tick and task, then the ps table', () => {
    const run = migvisor('simulate', '--node', 'field-a', '--ticks', '35');
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^\[field-a tick 0\] counter-[0-9a-f]{6}\/0: counter 1$/m);
    expect(run.stdout).to.match(/^\[field-a tick 30\] counter-[0-9a-f]{6}\/0: counter 4$/m);
    expect(run.stdout).to.match(/│ ctrl\/0 +│ counter-[0-9a-f]{6} │ counter\.s +│ MigSource │ running/);
  });

  it('is deterministic: the same run twice gives identical output and memory hashes', () => {
    const args = ['simulate', '--node', 'field-a', '--ticks', '300', '--task', 'ctrl:config/programs/shared.s:3', '--json'];
    const a = migvisor(...args);
    const b = migvisor(...args);
    expect(a.status, a.stderr).to.equal(0);
    expect(a.stdout).to.equal(b.stdout);
    const ps = (JSON.parse(a.stdout) as { tasks: { memoryHash: string; taskId: string }[] }).tasks;
    expect(ps.filter((t) => t.taskId)).to.have.length.greaterThan(0);
    expect(ps.filter((t) => t.taskId).every((t) => /^[0-9a-f]{64}$/.test(t.memoryHash))).to.equal(true);
  });

  it('runs the counter alike on a 32-bit little-endian and a 64-bit big-endian node', () => {
    const texts = (node: string): string[] =>
      (JSON.parse(migvisor('simulate', '--node', node, '--ticks', '60', '--json').stdout) as { events: { kind: string; console: { text: string } }[] }).events
        .filter((e) => e.kind === 'EVENT_KIND_CONSOLE')
        .map((e) => e.console.text);
    const a = texts('field-a');
    expect(a).to.deep.equal(['counter 1', 'counter 2', 'counter 3', 'counter 4', 'counter 5', 'counter 6']);
    // field-c has no boot task: start the same program there.
    const c = (JSON.parse(migvisor('simulate', '--node', 'field-c', '--ticks', '60', '--task', 'ctrl:config/programs/counter.s', '--json').stdout) as { events: { kind: string; console: { text: string } }[] }).events
      .filter((e) => e.kind === 'EVENT_KIND_CONSOLE')
      .map((e) => e.console.text);
    expect(c).to.deep.equal(a);
  });

  it('runs a million ticks of the default cluster (console lines to the last tick, then ps)', () => {
    // The output (100000 lines) goes to a file: a pipe would hold it all in this process.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-long-'));
    try {
      const out = fs.openSync(path.join(dir, 'out.txt'), 'w');
      const run = spawnSync(process.execPath, ['bin/migvisor.js', 'simulate', '--node', 'field-a', '--ticks', '1000000'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', out, 'pipe'] });
      fs.closeSync(out);
      expect(run.status, run.stderr).to.equal(0);
      const lines = fs.readFileSync(path.join(dir, 'out.txt'), 'utf8').split('\n');
      const console = lines.filter((l) => l.startsWith('[field-a tick '));
      expect(console).to.have.length(100_000);
      expect(console[0]).to.match(/^\[field-a tick 0\] counter-[0-9a-f]{6}\/0: counter 1$/);
      expect(console.at(-1)).to.match(/^\[field-a tick 999990\] counter-[0-9a-f]{6}\/0: counter 100000$/);
      expect(lines.join('\n')).to.match(/│ ctrl\/0 +│ counter-[0-9a-f]{6} │ counter\.s +│ MigSource │ running/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with --json, a million ticks fit in a 48 MiB heap (the events wait on disk, not in memory)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-long-'));
    try {
      const file = path.join(dir, 'out.json');
      const out = fs.openSync(file, 'w');
      const args = ['--max-old-space-size=48', 'bin/migvisor.js', 'simulate', '--node', 'field-a', '--ticks', '1000000', '--json'];
      const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', out, 'pipe'] });
      fs.closeSync(out);
      expect(run.status, run.stderr).to.equal(0);
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { tick: string; events: { kind: string; tick: string; console?: { text: string } }[] };
      expect(Number(json.tick)).to.equal(1_000_000);
      expect(json.events).to.have.length(100_000);
      expect(json.events.at(-1)).to.deep.include({ kind: 'EVENT_KIND_CONSOLE' });
      expect(json.events.at(-1)?.console?.text).to.equal('counter 100000');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the nodes of the file when the node is unknown', () => {
    const run = migvisor('simulate', '--node', 'field-z', '--ticks', '5');
    expect(run.status).to.equal(1);
    expect(run.stderr).to.equal('migvisor: node "field-z" not found in ' + path.join(ROOT, 'config/cluster.yaml') + ' (nodes: field-a, field-b, field-c)\n');
  });

  it('reports a faulting program through the health monitor and keeps the node running', () => {
    const run = migvisor('simulate', '--node', 'field-a', '--ticks', '25', '--task', 'ctrl:config/programs/fault.s', '--json');
    expect(run.status, run.stderr).to.equal(0);
    const events = (JSON.parse(run.stdout) as { events: { kind: string; fault?: { fault: { kind: string } }; console?: { text: string } }[] }).events;
    expect(events.find((e) => e.kind === 'EVENT_KIND_FAULT')?.fault?.fault.kind).to.equal('FAULT_KIND_WRITE_PROTECTED');
    expect(events.filter((e) => e.kind === 'EVENT_KIND_CONSOLE' && e.console?.text.startsWith('counter')).length).to.equal(3);
  });
});

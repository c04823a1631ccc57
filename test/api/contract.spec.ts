/**
 * The wire contract as a released artefact: `buf lint` (STANDARD and COMMENTS,
 * with the one rule kept off listed in buf.yaml) finds nothing, and `buf
 * breaking` finds no change that would break a client built against the
 * released contract (proto-released/v1.binpb). Both checks are also shown to
 * say no: on a planted lint error and on a planted breaking change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { buf } from '../support/buf.ts';
import { ROOT, tempDir } from '../support/processes.ts';

const RELEASED = path.join(ROOT, 'proto-released', 'v1.binpb');

/** A copy of proto/ and buf.yaml in a temporary folder, with `edit` applied to one file. */
function plantedModule(file: string, edit: (text: string) => string): string {
  const dir = tempDir('migvisor-buf-');
  fs.cpSync(path.join(ROOT, 'proto'), path.join(dir, 'proto'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'buf.yaml'), path.join(dir, 'buf.yaml'));
  const target = path.join(dir, 'proto', 'migvisor', 'v1', file);
  fs.writeFileSync(target, edit(fs.readFileSync(target, 'utf8')));
  return dir;
}

describe('the wire contract', function () {
  this.timeout(60_000);

  it('is buf lint clean (STANDARD and COMMENTS)', async () => {
    const r = await buf(['lint']);
    expect(r.stdout + r.stderr).to.equal('');
    expect(r.code).to.equal(0);
  });

  it('keeps off only SERVICE_SUFFIX, and says why', () => {
    const yaml = fs.readFileSync(path.join(ROOT, 'buf.yaml'), 'utf8');
    const except = yaml.slice(yaml.indexOf('except:'), yaml.indexOf('breaking:'));
    expect(except.match(/^\s+- ([A-Z_]+)$/gm)?.map((l) => l.trim().slice(2))).to.deep.equal(['SERVICE_SUFFIX']);
    expect(except).to.match(/# [^\n]*method path/);
  });

  it('breaks nothing of the released contract', async () => {
    const r = await buf(['breaking', '--against', RELEASED]);
    expect(r.stdout + r.stderr).to.equal('');
    expect(r.code).to.equal(0);
  });

  it('lint fails on a planted problem (an enum without its zero value)', async () => {
    const dir = plantedModule('types.proto', (t) => t.replace('  ENDIAN_UNSPECIFIED = 0;\n', '  ENDIAN_NONE = 0;\n'));
    const r = await buf(['lint'], { cwd: dir });
    expect(r.code).to.not.equal(0);
    expect(r.stdout).to.match(/ENDIAN_NONE/);
  });

  it('breaking fails on a planted break (a renumbered field), naming it', async () => {
    const dir = plantedModule('migtask.proto', (t) => t.replace('  string sink = 2;', '  string sink = 99;'));
    const r = await buf(['breaking', '--against', RELEASED], { cwd: dir });
    expect(r.code).to.not.equal(0);
    expect(r.stdout).to.match(/StopAndTransferRequest/);
  });
});

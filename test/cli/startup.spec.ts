/**
 * The CLI starts at once: registering the commands loads commander and little
 * else, so help and usage errors never load gRPC, protobuf or the YAML parser;
 * each command loads its implementation when it runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HEAVY = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'yaml', 'ajv', 'etcd3', 'rxjs', 'cli-table3'];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The npm packages the process loaded. */
  readonly packages: string[];
}

function migvisor(...args: string[]): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-startup-'));
  try {
    const file = path.join(dir, 'packages');
    const run = spawnSync(process.execPath, ['--import', './test/support/loaded-packages.mjs', 'bin/migvisor.js', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, MIGVISOR_LOADED_PACKAGES: file },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, packages: fs.readFileSync(file, 'utf8').split('\n').filter((l) => l) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('migvisor start-up', () => {
  for (const args of [['--help'], ['migrate', '--help'], ['snapshot', 'park', '--help'], ['node', 'start', '--help'], ['ps', '--help']]) {
    it(`loads commander only for ${args.join(' ')}`, () => {
      const run = migvisor(...args);
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^Usage: migvisor /);
      expect(run.packages).to.deep.equal(['commander']);
    });
  }

  it('refuses a bad option value in one line, without loading the command', () => {
    const run = migvisor('move', 'some-task', '--to', 'field-b', '--mode', 'warp');
    expect(run.status).to.equal(1);
    expect(run.stderr).to.equal('migvisor: --mode must be full, precopy or lazy, got warp\n');
    expect(run.packages).to.deep.equal(['commander']);
  });

  it('refuses a missing option and an unknown command in one line each', () => {
    const missing = migvisor('ps');
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.equal("migvisor: required option '--node <node>' not specified\n");
    const unknown = migvisor('frobnicate');
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.equal("migvisor: unknown command 'frobnicate'\n");
    expect([...missing.packages, ...unknown.packages].filter((p) => HEAVY.includes(p))).to.deep.equal([]);
  });

  it('ps of an unreachable node loads the gRPC client but not the configuration, and fails at once in one line', () => {
    const started = Date.now();
    const run = migvisor('ps', '--node', '127.0.0.1:1');
    expect(Date.now() - started).to.be.below(5000);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.equal('migvisor: ps on 127.0.0.1:1: unreachable (connection refused at 127.0.0.1:1)\n');
    expect(run.packages).to.include('@grpc/grpc-js');
    expect(run.packages.filter((p) => ['yaml', 'ajv', 'etcd3', 'rxjs'].includes(p))).to.deep.equal([]);
  });
});

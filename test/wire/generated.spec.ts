import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { LOADER_OPTIONS, packageDefinition, PROTO_DIR, PROTO_FILES, wire } from '../../src/common/wire.ts';
import { WIRE_DESCRIPTOR } from '../../src/generated/wire-descriptor.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('the wire contract', () => {
  it('has TypeScript types in src/generated that match proto/ (run npm run gen:proto after editing a .proto)', function () {
    this.timeout(60_000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-gen-'));
    try {
      const run = spawnSync(process.execPath, ['scripts/gen-proto.mjs', out], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status, run.stderr).to.equal(0);
      const committed = path.join(ROOT, 'src', 'generated');
      expect(files(out)).to.deep.equal(files(committed));
      for (const f of files(out)) {
        expect(fs.readFileSync(path.join(out, f), 'utf8'), f).to.equal(fs.readFileSync(path.join(committed, f), 'utf8'));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('has a precompiled descriptor in src/generated/wire-descriptor.ts that matches proto/ (run npm run gen:proto after editing a .proto)', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
    root.loadSync(PROTO_FILES);
    root.resolveAll();
    // As JSON: toJSON's objects are not all plain objects, and the descriptor is their JSON.
    expect(WIRE_DESCRIPTOR).to.deep.equal(JSON.parse(JSON.stringify(root.toJSON())));
  });

  it('gives the same services and messages from the precompiled descriptor as from proto/', () => {
    const shape = (def: protoLoader.PackageDefinition): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(def).map(([name, d]) => [
          name,
          'format' in d ? d.format : Object.fromEntries(Object.entries(d).map(([m, x]) => [m, [x.path, x.requestStream, x.responseStream, x.requestType.type, x.responseType.type]])),
        ]),
      );
    expect(shape(packageDefinition())).to.deep.equal(shape(protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS)));
  });

  it('loads every proto file and exposes the versioned services', () => {
    expect(PROTO_FILES.every((f) => f.startsWith('migvisor/v1/'))).to.equal(true);
    const w = wire();
    for (const s of [w.MigTask, w.NodeControl, w.Middleware, w.Diagnostics]) {
      expect(typeof s).to.equal('function');
      expect(Object.keys((s as unknown as { service: grpc.ServiceDefinition }).service).length).to.be.greaterThan(0);
    }
    expect(Object.keys(w.MigTask.service)).to.include.members(['Info', 'Initialize', 'Receive', 'Commit', 'Abort', 'QueryMigration', 'StopAndTransfer']);
  });
});

#!/usr/bin/env node
// Regenerates src/generated/ from proto/ with proto-loader-gen-types, using the
// loader options of src/common/wire.ts, then adds the `.ts` extensions that
// NodeNext module resolution requires on relative imports.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const out = process.argv[2] ?? 'src/generated';
const protos = fs.readdirSync('proto/migvisor/v1').filter((f) => f.endsWith('.proto')).sort().map((f) => `migvisor/v1/${f}`);
fs.rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    'node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js',
    '--grpcLib=@grpc/grpc-js', '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--includeComments',
    '-I', 'proto', '-O', out, ...protos,
  ],
  { stdio: 'inherit' },
);
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
for (const file of walk(out)) {
  const text = fs.readFileSync(file, 'utf8').replace(/from '(\.{1,2}\/[^']+)'/g, "from '$1.ts'");
  fs.writeFileSync(file, text);
}

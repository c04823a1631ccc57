/**
 * The `tls:`, `roles:` and `tokens:` sections of a cluster file (README "TLS and
 * roles"): paths relative to the file, and every problem reported at its line
 * (a missing file, a node without a certificate, a certificate for no node,
 * roles without TLS, a shared token, a bad role).
 */
import * as path from 'node:path';
import { expect } from 'chai';
import { parseClusterText } from '../../src/config/load.ts';

const HEAD = [
  'version: 1',
  'nodes:',
  '  - { name: a, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 10, windows: [] } }',
  '  - { name: b, cpu: { word: 32, endian: little }, memory: 1MiB, partitions: [], schedule: { major_frame: 10, windows: [] } }',
  'middleware: { listen: 127.0.0.1:0 }',
];

const TLS = [
  'tls:',
  '  ca: certs/ca.pem',
  '  nodes:',
  '    a: { cert: certs/a.pem, key: certs/a-key.pem }',
  '    b: { cert: certs/b.pem, key: certs/b-key.pem }',
  '  middleware: { cert: certs/middleware.pem, key: certs/middleware-key.pem }',
];

function check(lines: string[], missing: readonly string[] = []): ReturnType<typeof parseClusterText> {
  return parseClusterText([...HEAD, ...lines].join('\n'), '/tmp/c/c.yaml', { fileExists: (p) => !missing.some((m) => p.endsWith(m)) });
}

describe('cluster tls, roles and tokens', () => {
  it('reads the CA and each certificate relative to the cluster file, and roles with their tokens', () => {
    const r = check([...TLS, 'roles:', '  alice: operator', '  victor: [viewer]', 'tokens:', '  victor: victor-token-1']);
    expect(r.problems.map((p) => p.message)).to.deep.equal([]);
    const tls = r.config!.tls!;
    expect(tls.ca).to.equal(path.resolve('/tmp/c/certs/ca.pem'));
    expect(tls.nodes.get('b')?.key).to.equal(path.resolve('/tmp/c/certs/b-key.pem'));
    expect(tls.middleware?.cert).to.equal(path.resolve('/tmp/c/certs/middleware.pem'));
    expect([...r.config!.access!.roles]).to.deep.equal([
      ['alice', ['operator']],
      ['victor', ['viewer']],
    ]);
    expect([...r.config!.access!.tokens]).to.deep.equal([['victor', 'victor-token-1']]);
  });

  it('names the line of every missing file', () => {
    const r = check(TLS, ['certs/ca.pem', 'certs/b-key.pem']);
    expect(r.problems.map((p) => p.message)).to.deep.equal([
      `/tmp/c/c.yaml:7: tls.ca: no such file ${path.resolve('/tmp/c/certs/ca.pem')}`,
      `/tmp/c/c.yaml:10: tls.nodes.b.key: no such file ${path.resolve('/tmp/c/certs/b-key.pem')}`,
    ]);
  });

  it('wants a certificate for every node and the middleware, and none for a node that does not exist', () => {
    const r = check(['tls:', '  ca: certs/ca.pem', '  nodes:', '    a: { cert: certs/a.pem, key: certs/a-key.pem }', '    c: { cert: certs/c.pem, key: certs/c-key.pem }']);
    expect(r.problems.map((p) => p.message)).to.deep.equal([
      '/tmp/c/c.yaml:6: tls: the cluster has a middleware and tls.middleware gives it no certificate',
      '/tmp/c/c.yaml:8: tls.nodes: node b has no certificate (add b: {cert: FILE, key: FILE})',
      '/tmp/c/c.yaml:10: tls.nodes: no node is called c (nodes: a, b)',
    ]);
  });

  it('refuses roles without tls:, a token two identities share, and a role that does not exist', () => {
    expect(check(['roles:', '  alice: operator']).problems.map((p) => p.message)).to.deep.equal([
      '/tmp/c/c.yaml:6: roles: needs a tls: section (callers are known by their certificates)',
    ]);
    expect(check([...TLS, 'roles:', '  alice: admin']).problems.map((p) => p.message)).to.deep.equal(['/tmp/c/c.yaml:13: roles.alice: must be viewer, operator or node']);
    const shared = check([...TLS, 'roles:', '  alice: operator', 'tokens:', '  alice: same-token-1', '  bob: same-token-1']);
    expect(shared.problems.map((p) => p.message)).to.deep.equal(['/tmp/c/c.yaml:16: tokens.bob: the same token as alice; each identity needs its own']);
    expect(check([...TLS, 'roles:', '  alice: [viewer, root]']).problems.map((p) => p.message)).to.deep.equal(['/tmp/c/c.yaml:13: roles.alice: must be a role or a list of roles']);
  });

  it('wants tls: for an etcds:// store', () => {
    const r = parseClusterText([...HEAD.slice(0, 4), 'middleware: { listen: 127.0.0.1:0, store: "etcds://127.0.0.1:2379" }'].join('\n'), 'c.yaml');
    expect(r.problems.map((p) => p.message)).to.deep.equal(["c.yaml:5: middleware.store: etcds:// needs a tls: section (the CA and the middleware's certificate)"]);
  });
});

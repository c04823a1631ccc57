/**
 * TLS and roles with real processes and real certificates (README "TLS and
 * roles"): `certs init` makes a CA and certificates (openssl) for a private copy
 * of the shipped cluster, `cluster up` runs it (three node processes, the
 * middleware, the testbed), and the CLI works over mutual TLS: a post-copy
 * migration (the rest of its pages go node to node after it resumes), a park
 * and a restore. A plaintext client, a client whose certificate another CA
 * signed, and a node presenting another node's certificate are refused, each
 * with one line saying which; every role boundary answers PERMISSION_DENIED
 * naming the role needed. One cluster serves every test.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { wire } from '../../src/common/wire.ts';
import { forgetCluster } from '../support/middleware-harness.ts';
import { cleanup, cliOk, oneLineError, onCleanup, poll, ROOT, runCli, spawnCli, startNode, tempDir, type RunningCli } from '../support/processes.ts';

interface Ready {
  readonly nodes: Record<string, string>;
  readonly middleware: string;
  readonly testbed: string;
}

describe('TLS and roles (cluster up with certificates from certs init)', function () {
  this.timeout(60_000);
  let root = '';
  let certs = '';
  /** The cluster file with tls:, roles: and tokens:. */
  let secure = '';
  /** The same cluster without them. */
  let plain = '';
  let up: RunningCli | undefined;
  let ready: Ready;
  let task = '';

  const read = (f: string): Buffer => fs.readFileSync(path.join(certs, f));
  /** In-process credentials of a certificate certs init made. */
  const creds = (who: string): grpc.ChannelCredentials => grpc.credentials.createSsl(read('ca.pem'), read(`${who}-key.pem`), read(`${who}.pem`));
  const as = (who: string): Record<string, string> => ({ MIGVISOR_TLS_CERT: path.join(certs, `${who}.pem`), MIGVISOR_TLS_KEY: path.join(certs, `${who}-key.pem`) });

  before(async function () {
    this.timeout(60_000);
    root = tempDir('migvisor-tls-');
    const dir = path.join(root, 'config');
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(path.join(ROOT, 'config', 'programs'), path.join(dir, 'programs'), { recursive: true });
    plain = path.join(dir, 'cluster.yaml');
    fs.copyFileSync(path.join(ROOT, 'config', 'cluster.yaml'), plain);
    certs = path.join(root, 'certs');
    secure = path.join(dir, 'secure.yaml');
    await cliOk(['certs', 'init', certs, '--cluster', plain, '--client', 'client', '--client', 'viewer=viewer', '--client', 'robot=node', '--write', secure]);
    fs.appendFileSync(secure, 'tokens:\n  viewer: viewer-token-1234\n');
    const readyFile = path.join(root, 'ready.json');
    up = spawnCli(['cluster', 'up', secure, '--ready-file', readyFile], { timeoutMs: 5 * 60_000 });
    const child = up.child;
    let upErr = '';
    child.stderr!.on('data', (d: Buffer | string) => (upErr += String(d)));
    onCleanup(() => child.kill('SIGKILL'));
    ready = await poll(
      'cluster up to write its ready file',
      () => {
        if (child.exitCode !== null) throw new Error(`cluster up exited early (code ${child.exitCode}): ${upErr.trim()}`);
        return fs.existsSync(readyFile) ? (JSON.parse(fs.readFileSync(readyFile, 'utf8')) as Ready) : undefined;
      },
      30_000,
      50,
    );
    // The shipped cluster boots a counter on field-a.
    task = await poll(
      'the boot counter on field-a',
      async () => {
        const rows = JSON.parse(await cliOk(['ps', '--node', 'field-a', '--cluster', secure, '--json'])) as { tasks?: { taskId?: string }[] } | { taskId?: string }[];
        const list = Array.isArray(rows) ? rows : (rows.tasks ?? []);
        return list.find((t) => t.taskId)?.taskId;
      },
      15_000,
      200,
    );
  });

  after(async () => {
    if (up) {
      up.child.kill('SIGTERM');
      await up.result;
      forgetCluster(secure);
    }
    await cleanup();
  });

  it('certs init writes the sections with every certificate relative to the cluster file, each naming its holder', async () => {
    const text = fs.readFileSync(secure, 'utf8');
    expect(text).to.match(/^tls:\n {2}ca: "\.\.\/certs\/ca\.pem"$/m);
    expect(text).to.include('field-c: { cert: "../certs/field-c.pem", key: "../certs/field-c-key.pem" }');
    expect(text).to.match(/^roles:\n {2}client: operator\n {2}viewer: viewer\n {2}robot: node$/m);
    const subject = execFileSync('openssl', ['x509', '-in', path.join(certs, 'field-b.pem'), '-noout', '-subject', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    expect(subject).to.match(/CN ?= ?field-b/);
    expect(subject).to.include('DNS:field-b, DNS:localhost, IP Address:127.0.0.1');
  });

  it('migrates a task post-copy and parks and restores it, every hop over mutual TLS', async () => {
    const migrated = JSON.parse(await cliOk(['migrate', task, '--from', 'field-a', '--to', 'field-b', '--mode', 'lazy', '--cluster', secure, '--json'])) as { stats?: { status?: string } };
    expect(JSON.stringify(migrated)).to.match(/completed|COMPLETED/);
    const snapshot = (await cliOk(['snapshot', 'park', task, '--node', 'field-b', '--cluster', secure])).trim();
    expect(snapshot).to.match(/^snap-/);
    const restored = (await cliOk(['snapshot', 'restore', snapshot, '--node', 'field-a', '--cluster', secure])).trim();
    expect(restored).to.equal(task);
    // The testbed of cluster up serves over TLS too.
    expect(await cliOk(['link', 'show', '--cluster', secure])).to.include('field-a');
  });

  it('refuses a plaintext client, and the CLI says the server wants TLS', async () => {
    const c = new (wire().NodeControl)(ready.nodes['field-a']!, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) => c.Ps({}, { deadline: Date.now() + 5000 }, (e) => resolve(e)));
    c.close();
    expect(err?.code).to.equal(grpc.status.UNAVAILABLE);
    const line = oneLineError(await runCli(['ps', '--node', ready.nodes['field-a']!, '--cluster', plain]));
    expect(line).to.equal(`migvisor: ps on ${ready.nodes['field-a']}: TLS: the server requires TLS and this client speaks plaintext (no tls: section in the cluster file)`);
    // A streaming command says the same.
    const watch = oneLineError(await runCli(['watch', '--node', ready.nodes['field-a']!, '--count', '1', '--cluster', plain]));
    expect(watch).to.match(/^migvisor: watch .*: TLS: the server requires TLS and this client speaks plaintext/);
  });

  it("refuses a client whose certificate another CA signed, and says so", async () => {
    const foreign = path.join(root, 'foreign');
    fs.mkdirSync(foreign);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client-key.pem', '-out', 'client.pem', '-days', '2', '-subj', '/CN=client'], { cwd: foreign, stdio: 'ignore' });
    const r = await runCli(['ps', '--node', 'field-a', '--cluster', secure], { env: { MIGVISOR_TLS_CERT: path.join(foreign, 'client.pem'), MIGVISOR_TLS_KEY: path.join(foreign, 'client-key.pem') } });
    expect(oneLineError(r)).to.equal("migvisor: ps on field-a: TLS: the server refused this client's certificate: not signed by the cluster's CA");
  });

  it("refuses a node that presents another node's certificate, naming both", async () => {
    const wrong = path.join(path.dirname(secure), 'wrong-name.yaml');
    fs.writeFileSync(wrong, fs.readFileSync(secure, 'utf8').replace('field-b: { cert: "../certs/field-b.pem", key: "../certs/field-b-key.pem" }', 'field-b: { cert: "../certs/field-a.pem", key: "../certs/field-a-key.pem" }'));
    const impostor = await startNode(wrong, 'field-b', { boot: false });
    try {
      const line = oneLineError(await runCli(['ps', '--node', 'field-b', '--cluster', wrong]));
      expect(line).to.equal(`migvisor: ps on field-b: TLS: wrong server name: ${impostor.address} presented a certificate for field-a, not field-b`);
    } finally {
      impostor.child.kill('SIGTERM');
      forgetCluster(wrong);
    }
  });

  it('lets a viewer look but not migrate: PERMISSION_DENIED naming operator', async () => {
    expect(await cliOk(['ps', '--node', 'field-a', '--cluster', secure], { env: as('viewer') })).to.include(task);
    const r = await runCli(['migrate', task, '--from', 'field-a', '--to', 'field-b', '--cluster', secure], { env: as('viewer') });
    expect(oneLineError(r)).to.equal('migvisor: StopAndTransfer needs the role operator (viewer holds viewer)');
    // A token stands for its identity whatever the certificate: the operator's certificate with the viewer's token may not pause.
    const t = await runCli(['pause', task, '--node', 'field-a', '--cluster', secure, '--token', 'viewer-token-1234']);
    expect(oneLineError(t)).to.equal('migvisor: Pause needs the role operator (viewer holds viewer)');
    // A token the cluster file does not know is UNAUTHENTICATED.
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer not-a-token-at-all');
    const c = new (wire().NodeControl)(ready.nodes['field-a']!, creds('client'), { 'grpc.ssl_target_name_override': 'field-a' });
    const bad = await new Promise<grpc.ServiceError | null>((resolve) => c.Ps({}, md, { deadline: Date.now() + 5000 }, (e) => resolve(e)));
    c.close();
    expect([bad?.code, bad?.details]).to.deep.equal([grpc.status.UNAUTHENTICATED, "the token sent is not in the cluster file's tokens:"]);
  });

  it('lets an operator command but not speak the node protocol, and a node certificate the reverse', async () => {
    // (The operator's migrate, park and restore worked above.)
    const robot = await runCli(['pause', task, '--node', 'field-a', '--cluster', secure], { env: as('robot') });
    expect(oneLineError(robot)).to.equal('migvisor: Pause needs the role operator (robot holds node, viewer)');
    // The operator's certificate on a node ↔ node method (a lazy page fetch) is refused in the node role's name.
    const fetch = (who: string): Promise<grpc.ServiceError | null> => {
      const c = new (wire().MigTask)(ready.nodes['field-a']!, creds(who), { 'grpc.ssl_target_name_override': 'field-a' });
      return new Promise((resolve) =>
        c.FetchPages({ migrationId: 'no-such-migration', pages: [0] }, { deadline: Date.now() + 5000 }, (e) => {
          c.close();
          resolve(e);
        }),
      );
    };
    const denied = await fetch('client');
    expect([denied?.code, denied?.details]).to.deep.equal([grpc.status.PERMISSION_DENIED, 'FetchPages needs the role node (client holds operator, viewer)']);
    const allowed = await fetch('robot');
    expect(allowed?.code, 'past the role check, the node answers for itself').to.not.equal(grpc.status.PERMISSION_DENIED);
  });
});

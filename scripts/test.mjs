#!/usr/bin/env node
// The test run of `npm test` (README, "Development"): the specs of .mocharc.json
// in two mocha processes side by side, one a core, so that the specs which mostly
// wait for node processes, etcd and NATS do their waiting in parallel. Specs share
// no process, but some share files: a cluster file's registry of running nodes
// (the CLI finds nodes by it) and the log folders a cluster file names. Every spec
// that uses such a cluster file directly runs in the same lane as every other
// spec that uses it; the middleware and archive specs use private copies of
// theirs, and so do the specs that start `cluster up` in a temporary folder.
// The second lane holds the live cluster (test/fixtures/live-cluster.yaml,
// its logs under var/test-files/live/) and the archive; the first everything else
// (cluster-field.yaml and cluster-odd.yaml with var/test-files/{node}/, cluster-big.yaml,
// config/cluster.yaml with var/files/, the scenarios).
//
// The first lane's output is shown as it comes, the second's after it; the last
// line is the plain "N passed, N failed" of both. Arguments are passed to both
// mocha processes (e.g. --grep).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = JSON.parse(fs.readFileSync(path.join(ROOT, '.mocharc.json'), 'utf8'));

/** The specs of the second lane, as paths relative to the repository. */
const SECOND = [
  /^test\/integration\/live-[^/]*\.spec\.ts$/,
  /^test\/integration\/migration-(control|limits)\.spec\.ts$/,
  /^test\/integration\/(archive|middleware)-[^/]*\.spec\.ts$/,
  /^test\/integration\/(park-cancel|health-monitor|arinc-ports-plans)\.spec\.ts$/,
  /^test\/migtask\/(live-protocol|page-streams|prediction)\.spec\.ts$/,
  // Private copies of config/cluster.yaml (cluster up in a temporary folder), here for balance.
  /^test\/testbed\/cluster-faults\.spec\.ts$/,
  /^test\/integration\/tls\.spec\.ts$/,
];

/** Every spec file under test/ (what .mocharc.json's spec pattern names). */
function specs(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...specs(rel));
    else if (e.name.endsWith('.spec.ts')) out.push(rel);
  }
  return out.sort();
}

const all = specs('test');
if (config.spec?.join() !== 'test/**/*.spec.ts') {
  console.error(`scripts/test.mjs: .mocharc.json names the specs ${JSON.stringify(config.spec)}; this script runs test/**/*.spec.ts: update both`);
  process.exit(2);
}
const second = all.filter((f) => SECOND.some((re) => re.test(f)));
const first = all.filter((f) => !second.includes(f));

/**
 * Cluster files of test/fixtures that specs of both lanes may name: those that
 * the specs of one lane only parse in-process or copy into a temporary folder.
 */
const EITHER_LANE = new Map([
  ['arinc-cluster.yaml', 'test/hypervisor parses it in-process'],
  ['scenarios/must-fail.yaml', 'a scenario, run on a copy'],
  ['config/invalid.yaml', 'only checked'],
]);

/** The fixture cluster files a spec names; a spec that imports live-harness.ts (not only its types) uses live-cluster.yaml. */
function clusterFiles(file) {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const named = [...text.matchAll(/fixture\('([a-z0-9/-]+\.yaml)'\)/g), ...text.matchAll(/fixtures\/([a-z0-9/-]+\.yaml)/g)];
  const names = new Set(named.map((m) => m[1]));
  if (/^import \{[^}]*\} from '\.\.\/support\/live-harness\.ts'/m.test(text)) names.add('live-cluster.yaml');
  return names;
}

// A fixture cluster file named in both lanes would have two processes writing its registry and logs.
const users = new Map();
for (const [lane, files] of [[1, first], [2, second]]) {
  for (const f of files) for (const c of clusterFiles(f)) users.set(c, [...(users.get(c) ?? []), { f, lane }]);
}
for (const [c, list] of users) {
  if (EITHER_LANE.has(c) || new Set(list.map((u) => u.lane)).size < 2) continue;
  const who = list.map((u) => `${u.f} (lane ${u.lane})`).join(', ');
  console.error(`scripts/test.mjs: test/fixtures/${c} is used in both lanes (${who}): move them into one lane (SECOND) or, if the specs of one lane only parse or copy it, add it to EITHER_LANE`);
  process.exit(2);
}

const options = [
  '--no-config',
  ...config['node-option'].flatMap((o) => ['--node-option', o]),
  ...config.extension.flatMap((e) => ['--extension', e]),
  ...(config['fail-zero'] ? ['--fail-zero'] : []),
  '--timeout', String(config.timeout),
  '--reporter', config.reporter,
];
const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const SUMMARY = /^(\d+) passed, (\d+) failed$/;

/** Runs one lane; `show` gets its output line by line, without its summary line. */
function lane(files, show) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mocha, ...options, ...process.argv.slice(2), ...files], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const counts = { passed: 0, failed: 0, code: 1, ranNothing: false };
    let rest = '';
    const lines = (chunk) => {
      const text = rest + chunk;
      const parts = text.split('\n');
      rest = parts.pop();
      for (const l of parts) {
        const m = SUMMARY.exec(l);
        if (/^\s*0 passing\b/.test(l)) counts.ranNothing = true;
        if (m) {
          counts.passed += Number(m[1]);
          counts.failed += Number(m[2]);
        } else show(`${l}\n`);
      }
    };
    child.stdout.setEncoding('utf8').on('data', lines);
    child.stderr.setEncoding('utf8').on('data', lines);
    child.on('close', (code, signal) => {
      if (rest) lines('\n');
      counts.code = signal ? 1 : (code ?? 1);
      if (signal) show(`mocha (${files.length} spec files) ended by ${signal}\n`);
      resolve(counts);
    });
    for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
  });
}

const held = [];
let firstDone = false;
const a = lane(first, (l) => process.stdout.write(l));
const b = lane(second, (l) => (firstDone ? process.stdout.write(l) : held.push(l)));
const ra = await a;
firstDone = true;
process.stdout.write(held.join(''));
const rb = await b;
process.stdout.write(`${ra.passed + rb.passed} passed, ${ra.failed + rb.failed} failed\n`);
// With arguments (a --grep) one lane may have nothing to run: only both empty is a failure then.
const empty = (r) => process.argv.length > 2 && r.ranNothing && r.passed + r.failed === 0 && ra.passed + ra.failed + rb.passed + rb.failed > 0;
const code = (r) => (empty(r) ? 0 : r.code);
process.exit(code(ra) !== 0 ? code(ra) : code(rb));

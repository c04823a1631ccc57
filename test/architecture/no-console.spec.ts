/**
 * The servers log through the structured log (README, "Operating a cluster"),
 * never with bare console calls: a grep over the areas the node, the middleware
 * and the testbed run (hypervisor, middleware, migtask, testbed) and the commands
 * that start them. It is seen to say no on a planted call.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';

const SRC = path.resolve('src');
const AREAS = ['hypervisor', 'middleware', 'migtask', 'testbed'];
const SERVER_COMMANDS = ['cli/commands/node-run.ts', 'cli/commands/middleware-run.ts', 'cli/commands/cluster-run.ts'];
const CONSOLE = /\bconsole\s*\.\s*(?:log|error|warn|info|debug|trace|dir|table)\s*\(/;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every bare console call in `files`, as FILE:LINE: text. */
function consoleCalls(root: string, files: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    fs.readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (CONSOLE.test(line)) out.push(`${path.relative(root, f)}:${i + 1}: ${line.trim()}`);
      });
  }
  return out;
}

/** The files of the servers under `root` (a src/ folder). */
function serverFiles(root: string): string[] {
  return [...AREAS.flatMap((a) => (fs.existsSync(path.join(root, a)) ? tsFiles(path.join(root, a)) : [])), ...SERVER_COMMANDS.map((c) => path.join(root, c)).filter((f) => fs.existsSync(f))];
}

describe('the servers log through the structured log', () => {
  it('no bare console call in hypervisor, middleware, migtask, testbed or the server start commands', () => {
    const files = serverFiles(SRC);
    expect(files.length, 'files scanned').to.be.above(50);
    for (const c of SERVER_COMMANDS) expect(files).to.include(path.join(SRC, c));
    expect(consoleCalls(SRC, files)).to.deep.equal([]);
  });

  it('is seen to fail on a planted console.log, naming file and line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-console-'));
    try {
      fs.mkdirSync(path.join(dir, 'hypervisor'));
      fs.writeFileSync(path.join(dir, 'hypervisor', 'node.ts'), "// console.log in a comment is no call\nexport const x = 1;\nconsole.log('booted', x);\n");
      fs.mkdirSync(path.join(dir, 'cli', 'commands'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'cli', 'commands', 'node-run.ts'), 'export function f(): void {\n  console.error ("oops");\n}\n');
      expect(consoleCalls(dir, serverFiles(dir))).to.deep.equal([
        "hypervisor/node.ts:3: console.log('booted', x);",
        'cli/commands/node-run.ts:2: console.error ("oops");',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

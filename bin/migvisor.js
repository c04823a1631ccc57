#!/usr/bin/env node
// Entry point of the `migvisor` command: runs the compiled JavaScript in dist/
// (`npm run build`, which `npm ci` runs through the prepare script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('migvisor: not built: run npm run build\n');
  process.exit(1);
}
await import(main.href);

/**
 * `mkdir -p` that always ends. Node's own recursive mkdir (`mkdirSync` and
 * `fs.promises.mkdir` with `recursive: true`) spins at full CPU for ever where
 * making a folder answers ENOENT although its parent exists, as anywhere under
 * /proc or /sys does (seen with Node 20; the sync form freezes the process).
 * This walks up to the nearest path that exists and makes each missing folder
 * below it, one plain mkdir each, so such a path fails at once with that
 * mkdir's own error (ENOENT, ENOTDIR under a file, EEXIST for a file in the
 * way, EACCES). Its callers make a few folders at start or before writing a
 * report, so the synchronous calls cost nothing worth an async twin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** The folders of `dir` that do not exist, outermost first, and whether `dir` itself exists as something else. */
function missingSync(dir: string): { missing: string[]; inTheWay: boolean } {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; ) {
    try {
      const isDir = fs.statSync(at).isDirectory();
      return { missing: missing.reverse(), inTheWay: missing.length === 0 && !isDir };
    } catch (e: unknown) {
      if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') throw e;
    }
    missing.push(at);
    const up = path.dirname(at);
    if (up === at) return { missing: missing.reverse(), inTheWay: false };
    at = up;
  }
}

/** Makes `dir` and its missing parents; a folder that is already there is fine. */
export function makeDirsSync(dir: string): void {
  const { missing, inTheWay } = missingSync(dir);
  // A file where the folder should be: mkdir says so (EEXIST), as the recursive form does.
  if (inTheWay) fs.mkdirSync(dir);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e: unknown) {
      // Made meanwhile by someone else: fine if it is a folder.
      if (code(e) !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw e;
    }
  }
}

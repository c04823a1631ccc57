// Preloaded with `node --import ./test/support/loaded-packages.mjs`: when the
// process exits, writes the npm packages it loaded (one name a line) to the file
// named by $MIGVISOR_LOADED_PACKAGES. CommonJS files are in the require cache
// (also those ES modules import); ES modules are recorded by a resolve hook,
// which runs on the loader thread and appends each URL to a side file.
import { createRequire, register } from 'node:module';
import * as fs from 'node:fs';

const out = process.env.MIGVISOR_LOADED_PACKAGES;
if (out) {
  const urls = `${out}.urls`;
  fs.writeFileSync(urls, '');
  register(
    `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      let file;
      export function initialize(data) { file = data.file; }
      export async function resolve(specifier, context, next) {
        const r = await next(specifier, context);
        appendFileSync(file, r.url + '\\n');
        return r;
      }
    `)}`,
    { data: { file: urls } },
  );
  const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;
  process.on('exit', () => {
    const files = [...Object.keys(createRequire(import.meta.url).cache), ...fs.readFileSync(urls, 'utf8').split('\n')];
    const names = new Set(files.map((f) => PACKAGE.exec(f)?.[1]).filter((n) => n !== undefined));
    fs.writeFileSync(out, [...names].sort().join('\n'));
  });
}

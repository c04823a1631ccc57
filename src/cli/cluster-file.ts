/**
 * Where the cluster file comes from: the argument, else `config/cluster.yaml` in
 * the working directory, else the default cluster shipped with migvisor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../common/package-root.ts';

export { PACKAGE_ROOT };

/** The cluster file a command uses: the argument, else ./config/cluster.yaml, else the shipped default. */
export function clusterFile(arg: string | undefined): string {
  if (arg) return arg;
  const local = path.join('config', 'cluster.yaml');
  if (fs.existsSync(local)) return local;
  return path.join(PACKAGE_ROOT, 'config', 'cluster.yaml');
}

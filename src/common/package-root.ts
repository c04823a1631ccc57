/** The folder migvisor is installed in: it holds bin/, config/ and proto/ (from src/ and from dist/ alike). */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder migvisor is installed in. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

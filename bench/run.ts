/**
 * `npm run bench`: measures and prints a JSON summary. Every figure is a ratio
 * against a baseline measured in the same run, because the machines are shared
 * and noisy. Select parts with arguments, e.g. `npm run bench -- cpu`.
 */
import { cpuBenchmark } from './cpu-bench.ts';
import { downtimeBenchmark } from './downtime-bench.ts';
import { linkBenchmark } from './link-bench.ts';
import { migrationLinkBenchmark } from './link-migrate-bench.ts';
import { liveBenchmark } from './live-bench.ts';
import { migrateBenchmark } from './migrate-bench.ts';
import { predictionBenchmark } from './predict-bench.ts';
import { storeBenchmark } from './store-bench.ts';

const wanted = new Set(process.argv.slice(2));
const want = (name: string): boolean => wanted.size === 0 || wanted.has(name);

const summary: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
if (want('cpu')) summary.cpu = cpuBenchmark();
if (want('migrate')) summary.migrate = { full: await migrateBenchmark() };
if (want('downtime')) summary.downtime = await downtimeBenchmark();
if (want('live')) summary.live = await liveBenchmark();
if (want('store')) summary.store = await storeBenchmark();
if (want('link')) summary.link = await linkBenchmark();
if (want('link-migrate')) summary.link_migrate = await migrationLinkBenchmark();
if (want('predict')) summary.predict = await predictionBenchmark();
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

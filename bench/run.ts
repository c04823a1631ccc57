/**
 * `npm run bench`: measures and prints a JSON summary. Every figure is a ratio
 * against a baseline measured in the same run, because the machines are shared
 * and noisy. Select parts with arguments, e.g. `npm run bench -- cpu`.
 */
import { archiveBenchmark } from './archive-bench.ts';
import { configBenchmark } from './config-bench.ts';
import { controlBenchmark } from './control-bench.ts';
import { cpuBenchmark } from './cpu-bench.ts';
import { downtimeBenchmark } from './downtime-bench.ts';
import { linkBenchmark } from './link-bench.ts';
import { listBenchmark } from './list-bench.ts';
import { migrationLinkBenchmark } from './link-migrate-bench.ts';
import { liveBenchmark } from './live-bench.ts';
import { migrateBenchmark } from './migrate-bench.ts';
import { predictionBenchmark } from './predict-bench.ts';
import { scaleBenchmark } from './scale-bench.ts';
import { simulateBenchmark } from './simulate-bench.ts';
import { storeBenchmark } from './store-bench.ts';

const wanted = new Set(process.argv.slice(2));
const want = (name: string): boolean => wanted.size === 0 || wanted.has(name);

const summary: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
if (want('cpu')) summary.cpu = cpuBenchmark();
if (want('config')) summary.config = configBenchmark();
if (want('simulate')) summary.simulate = await simulateBenchmark();
if (want('migrate')) summary.migrate = { full: await migrateBenchmark() };
if (want('downtime')) summary.downtime = await downtimeBenchmark();
if (want('live')) summary.live = await liveBenchmark();
if (want('store')) summary.store = await storeBenchmark();
if (want('store-list')) summary.store_list = await listBenchmark();
if (want('archive')) summary.archive = await archiveBenchmark();
if (want('link')) summary.link = await linkBenchmark();
if (want('link-migrate')) summary.link_migrate = await migrationLinkBenchmark();
if (want('predict')) summary.predict = await predictionBenchmark();
if (want('control')) summary.control = await controlBenchmark();
if (want('scale')) summary.scale = await scaleBenchmark();
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

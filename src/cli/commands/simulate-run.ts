/**
 * `migvisor simulate`: boots one node from the cluster file in virtual time (no
 * network), runs N ticks, prints the console lines and then the ps table (and,
 * for a node with several schedule plans, its plan status). Runs are
 * deterministic: task ids come from a seeded generator. Any number of ticks
 * runs in flat stack and memory: console lines are written as they come, and the
 * events of `--json` wait in a temporary file for the ps fields that precede
 * them (README, "Benchmarks" gives the speed).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotFoundError, seededIds, toProtoJson } from '../../common/index.ts';
import { formatEvent, Node, toScheduleStatus, toTaskSummary, toWireEvent } from '../../hypervisor/index.ts';
import { loadCluster } from '../../config/index.ts';
import { clusterFile } from '../cluster-file.ts';
import { psTable } from '../format.ts';
import type { SimulateFlags } from './simulate.ts';

/** Runs node --node of the cluster file `file` for --ticks ticks of virtual time. */
export function simulate(file: string | undefined, flags: SimulateFlags): void {
  const cluster = loadCluster(clusterFile(file));
  const def = cluster.nodes.find((n) => n.name === flags.node);
  if (!def) throw new NotFoundError('node', flags.node, `in ${cluster.file} (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
  const node = new Node(def, cluster, { ids: seededIds(flags.seed) });
  const out = new LineBuffer((text) => process.stdout.write(text));
  const spool = flags.json ? new EventSpool() : undefined;
  try {
    node.eventLog.stream.subscribe((s) => {
      if (s.event.kind === 'transition') return;
      if (spool) spool.add(toProtoJson('Event', toWireEvent(s)));
      else out.add(`${formatEvent(s.event)}\n`);
    });
    try {
      node.boot();
      for (const spec of flags.task) node.startTask(spec);
      // Nothing else shares the node's virtual time here, so the ticks run back to back
      // (Node.runTicks: idle stretches pass in one go, with the output of tick by tick).
      node.runTicks(flags.ticks);
    } finally {
      out.flush();
    }
    const tasks = node.ps({ hashes: true }).map((t) => toTaskSummary(t, node.name));
    const plans = node.plans.names.length > 1 ? toScheduleStatus(node) : undefined;
    // --json: a PsResponse of the node at the end, and the events of the run (transitions aside) as Watch gives them.
    if (spool) {
      spool.print(
        toProtoJson('PsResponse', { node: node.name, tick: node.tick, tasks }) as Record<string, unknown>,
        plans ? { schedule: toProtoJson('ScheduleStatusResponse', plans) } : {},
      );
    } else {
      process.stdout.write(`${psTable(tasks)}\n`);
      if (plans) {
        const last = plans.lastSwitchTick === undefined ? 'never switched' : `since tick ${plans.lastSwitchTick}`;
        process.stdout.write(`schedule plan ${plans.currentPlan} (${last})${plans.nextPlan ? `, ${plans.nextPlan} from tick ${plans.nextPlanTick}` : ''}\n`);
      }
    }
  } finally {
    spool?.close();
  }
  node.shutdown();
}

/** Text written about 64 KiB at a time (a write per console line was most of a long run's time). */
class LineBuffer {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly write: (text: string) => void) {}

  add(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= 65536) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** Where the events go in the printed object (a value no field of ps can hold). */
const EVENTS = '\u0000events\u0000';

/**
 * The events of a `--json` run, each written as it comes to a temporary file in
 * the form it takes inside the printed object, then printed after the ps fields:
 * the text of printing `{ ...ps, events }` at once, in flat memory.
 */
class EventSpool {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migvisor-simulate-'));
  private readonly file = path.join(this.dir, 'events.json');
  private readonly fd = fs.openSync(this.file, 'w');
  private readonly out = new LineBuffer((text) => fs.writeSync(this.fd, text));
  private count = 0;
  private open = true;

  add(event: unknown): void {
    // An element of the top-level object's `events` array: two levels of 2-space indent.
    const text = JSON.stringify(event, null, 2).replace(/^/gm, '    ');
    this.out.add(this.count++ === 0 ? text : `,\n${text}`);
  }

  /** Prints `{ ...head, events: [the events], ...tail }` as JSON with 2-space indent, and a newline. */
  print(head: Record<string, unknown>, tail: Record<string, unknown> = {}): void {
    this.out.flush();
    this.closeFile();
    const text = JSON.stringify({ ...head, events: EVENTS, ...tail }, null, 2);
    const at = text.indexOf(JSON.stringify(EVENTS));
    process.stdout.write(text.slice(0, at));
    if (this.count === 0) process.stdout.write('[]');
    else {
      process.stdout.write('[\n');
      const fd = fs.openSync(this.file, 'r');
      try {
        for (;;) {
          const chunk = Buffer.alloc(65536);
          const n = fs.readSync(fd, chunk, 0, chunk.length, null);
          if (n === 0) break;
          process.stdout.write(chunk.subarray(0, n));
        }
      } finally {
        fs.closeSync(fd);
      }
      process.stdout.write('\n  ]');
    }
    process.stdout.write(`${text.slice(at + JSON.stringify(EVENTS).length)}\n`);
  }

  /** Removes the temporary file. */
  close(): void {
    this.closeFile();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private closeFile(): void {
    if (!this.open) return;
    this.open = false;
    fs.closeSync(this.fd);
  }
}

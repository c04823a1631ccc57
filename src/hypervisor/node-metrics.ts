/**
 * What a node counts for Prometheus (README, "Operating a cluster", the metric
 * table): its migrations as source (by mode and result, with their downtime,
 * total time, bytes, pages, elided pages, pre-copy rounds and lazy faults
 * served), the containers it received as sink, its slots by MigThread state, the
 * instructions its travelers executed, its events (faults by kind, health-monitor
 * events by event and action), and its gates (depth, capacity, refusals).
 * Counters follow the node's migration observers and its events; gauges are read
 * from the node at each scrape.
 */
import { Code, counter, gauge, histogram, MigvisorError, SECONDS_BUCKETS, type Registry } from '../common/index.ts';
import { MIG_STATES, MigrationRefused, type MigrationOutcome } from '../migtask/index.ts';
import type { Node } from './node.ts';

/** How a migration from a node ended, as the `result` label says it. */
export type MigrationResult = 'completed' | 'refused' | 'cancelled' | 'failed';

/** The `result` of a migration outcome: refused (nothing stopped), cancelled, failed, or completed. */
export function migrationResult(outcome: MigrationOutcome): MigrationResult {
  if ('stats' in outcome) return 'completed';
  const e = outcome.error;
  if (e instanceof MigrationRefused) return 'refused';
  if (e instanceof MigvisorError && e.code === Code.CANCELLED) return 'cancelled';
  return 'failed';
}

/** Registers node `node`'s metrics in `registry` (see the file header); returns the function that stops following it. */
export function registerNodeMetrics(node: Node, registry: Registry): () => void {
  const migrations = counter(registry, {
    name: 'migvisor_migrations_total',
    help: 'Migrations from this node (StopAndTransfer: moves and parks), by mode and result (completed, refused, cancelled, failed)',
    labelNames: ['mode', 'result'] as const,
  });
  const downtime = histogram(registry, {
    name: 'migvisor_migration_downtime_seconds',
    help: 'Downtime of completed migrations from this node (travelers stopped until the sink runs the task), by mode',
    labelNames: ['mode'] as const,
    buckets: SECONDS_BUCKETS,
  });
  const total = histogram(registry, {
    name: 'migvisor_migration_duration_seconds',
    help: 'Total time of completed migrations from this node, by mode',
    labelNames: ['mode'] as const,
    buckets: SECONDS_BUCKETS,
  });
  const bytes = counter(registry, { name: 'migvisor_migration_bytes_sent_total', help: 'Container bytes sent by completed migrations from this node, by mode', labelNames: ['mode'] as const });
  const pages = counter(registry, { name: 'migvisor_migration_pages_sent_total', help: 'Pages sent by completed migrations from this node, by mode', labelNames: ['mode'] as const });
  const elided = counter(registry, {
    name: 'migvisor_migration_pages_elided_total',
    help: 'Pages not sent because they were zero or never touched, by mode',
    labelNames: ['mode'] as const,
  });
  const rounds = counter(registry, { name: 'migvisor_precopy_rounds_total', help: 'Pre-copy rounds of completed pre-copy migrations from this node' });
  const lazy = counter(registry, { name: 'migvisor_lazy_faults_served_total', help: 'Page faults of post-copy sinks this node served (FetchPages), counted when the migration completes' });
  const received = counter(registry, {
    name: 'migvisor_migrations_received_total',
    help: 'Containers this node received as sink and staged (migrations), or activated (loads, restores)',
  });
  const receivedBytes = counter(registry, { name: 'migvisor_migration_bytes_received_total', help: 'Container bytes this node received as sink' });
  const receivedPages = counter(registry, { name: 'migvisor_migration_pages_received_total', help: 'Pages this node received as sink' });
  const migrationEvents = counter(registry, {
    name: 'migvisor_migration_events_total',
    help: 'Migration events of this node, by phase (staged, activated, aborted, released, resumed, in-doubt, ...)',
    labelNames: ['phase'] as const,
  });
  const faults = counter(registry, { name: 'migvisor_faults_total', help: 'Traveler faults on this node, by kind', labelNames: ['kind'] as const });
  const hm = counter(registry, {
    name: 'migvisor_hm_events_total',
    help: 'Events the health monitor handled on this node, by event and action',
    labelNames: ['event', 'action'] as const,
  });
  const events = counter(registry, { name: 'migvisor_node_events_total', help: 'Events this node published, by kind', labelNames: ['kind'] as const });
  gauge(registry, {
    name: 'migvisor_tasks',
    help: "This node's task slots by MigThread state (MigSink: free)",
    labelNames: ['state'] as const,
    collect() {
      this.reset();
      const by = new Map<string, number>(MIG_STATES.map((s) => [s, 0]));
      for (const s of node.slots) by.set(s.state, (by.get(s.state) ?? 0) + 1);
      for (const [state, n] of by) this.set({ state }, n);
    },
  });
  counter(registry, {
    name: 'migvisor_instructions_total',
    help: "Instructions this node's travelers executed",
    collect() {
      this.reset();
      this.inc(node.instructionsExecuted);
    },
  });
  gauge(registry, {
    name: 'migvisor_tick',
    help: "The node's current tick",
    collect() {
      this.set(node.tick);
    },
  });
  gauge(registry, {
    name: 'migvisor_gate_queue_depth',
    help: 'Messages queued on each gate of this node',
    labelNames: ['gate'] as const,
    collect() {
      for (const q of node.taskGates.all()) this.set({ gate: q.name }, q.length);
    },
  });
  gauge(registry, {
    name: 'migvisor_gate_capacity',
    help: 'Messages each gate of this node holds at most',
    labelNames: ['gate'] as const,
    collect() {
      for (const q of node.taskGates.all()) this.set({ gate: q.name }, q.capacity);
    },
  });
  counter(registry, {
    name: 'migvisor_gate_messages_total',
    help: 'Messages each gate of this node accepted',
    labelNames: ['gate'] as const,
    collect() {
      this.reset();
      for (const q of node.taskGates.all()) this.inc({ gate: q.name }, q.sent);
    },
  });
  counter(registry, {
    name: 'migvisor_gate_refused_total',
    help: 'Sends each gate of this node refused because it was full (E_FULL, RESOURCE_EXHAUSTED); gates never drop a message',
    labelNames: ['gate'] as const,
    collect() {
      this.reset();
      for (const q of node.taskGates.all()) this.inc({ gate: q.name }, q.refused);
    },
  });

  const observer = {
    migrated(options: { readonly mode: string }, outcome: MigrationOutcome): void {
      const mode = options.mode;
      migrations.inc({ mode, result: migrationResult(outcome) });
      if (!('stats' in outcome)) return;
      const s = outcome.stats;
      downtime.observe({ mode }, s.downtimeMs / 1000);
      total.observe({ mode }, s.totalMs / 1000);
      bytes.inc({ mode }, s.bytes);
      pages.inc({ mode }, s.pagesSent);
      elided.inc({ mode }, s.pagesElided);
      if (mode === 'precopy') rounds.inc(s.rounds);
      lazy.inc(s.lazyFaultsServed);
    },
    received(r: { readonly pages: number; readonly bytes: number }): void {
      received.inc();
      receivedBytes.inc(r.bytes);
      receivedPages.inc(r.pages);
    },
  };
  node.migrations.observers.add(observer);
  const sub = node.events.subscribe((e) => {
    events.inc({ kind: e.kind });
    if (e.kind === 'fault') faults.inc({ kind: e.fault });
    else if (e.kind === 'hm') hm.inc({ event: e.event, action: e.action });
    else if (e.kind === 'migration') migrationEvents.inc({ phase: e.phase });
  });
  return () => {
    node.migrations.observers.delete(observer);
    sub.unsubscribe();
  };
}

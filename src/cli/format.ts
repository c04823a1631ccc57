/** Terminal renderings shared by commands: the ps table of wire task summaries, and enum names in words. */
import Table from 'cli-table3';
import type { TaskSummary } from '../generated/migvisor/v1/TaskSummary.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** An enum's wire name in words: `MIG_STATE_MIG_SOURCE` → `mig-source` with `prefix` MIG_STATE_. */
export function words(wire: string | number | null | undefined, prefix: string): string {
  if (wire === undefined || wire === null || wire === '') return '-';
  const wireName = String(wire);
  return wireName.startsWith(prefix) ? wireName.slice(prefix.length).toLowerCase().replace(/_/g, '-') : wireName;
}

/** A MigThread state as the design names it (`MigSource`). */
export function stateName(wire: string | number | null | undefined): string {
  return words(wire, 'MIG_STATE_')
    .split('-')
    .map((w) => (w === 'mig' ? 'Mig' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}

/** A command as the command channel names it (`COMMAND_STOP_AND_TRANSFER` → `StopAndTransfer`). */
export function commandName(wire: string | number | null | undefined): string {
  return words(wire, 'COMMAND_')
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** The ps table of a node's slots. */
export function psTable(tasks: readonly TaskSummary[]): string {
  const table = new Table({
    head: ['SLOT', 'TASK', 'PROGRAM', 'STATE', 'RUN', 'TRAVELERS', 'INSTRUCTIONS', 'PAGES', 'DIRTY'],
    style: { head: [], border: [], compact: true },
  });
  for (const t of tasks) {
    const travelers = (t.travelers ?? []).map((x) => `${x.id}:${words(x.status, 'TRAVELER_STATUS_')}@${hex(Number(x.pc ?? 0))}`).join(' ') || '-';
    table.push([
      t.slot ?? '-',
      t.taskId || '-',
      t.program || '-',
      stateName(t.state) + (t.migration ? ` (${words(t.migration.status, 'MIGRATION_STATUS_')} ${(t.migration.migrationId ?? '').slice(0, 8)})` : ''),
      words(t.run, 'RUN_STATE_'),
      travelers,
      String(t.instructions ?? 0),
      `${t.pagesPresent ?? 0}/${t.pages ?? 0}`,
      String(t.pagesDirty ?? 0),
    ]);
  }
  return table.toString();
}

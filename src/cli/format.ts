/** Terminal renderings shared by commands: the ps table and console lines. */
import Table from 'cli-table3';
import type { TaskInfo } from '../hypervisor/index.ts';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The ps table of a node's slots. */
export function psTable(tasks: readonly TaskInfo[]): string {
  const table = new Table({
    head: ['SLOT', 'TASK', 'PROGRAM', 'STATE', 'RUN', 'TRAVELERS', 'INSTRUCTIONS', 'PAGES', 'DIRTY'],
    style: { head: [], border: [], compact: true },
  });
  for (const t of tasks) {
    const travelers = t.travelers.map((x) => `${x.id}:${x.status}@${hex(x.pc)}`).join(' ') || '-';
    table.push([
      t.slot,
      t.task ?? '-',
      t.program ?? '-',
      t.state,
      t.run,
      travelers,
      String(t.instructions),
      `${t.pagesPresent}/${t.pages}`,
      String(t.pagesDirty),
    ]);
  }
  return table.toString();
}

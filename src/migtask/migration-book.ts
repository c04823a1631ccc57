/**
 * What a sink remembers about the migrations it took part in, by migration id:
 * enough to answer QueryMigration after the fact, and to refuse a second
 * container under an id that is still alive. The oldest records are forgotten.
 */
import { AlreadyExistsError, type Timer } from '../common/index.ts';

/** What every remembered migration has. */
export interface BookEntry {
  readonly id: string;
  outcome: string;
  timer?: Timer;
}

/** Migration ids remembered per sink. */
const MAX_RECORDS = 1000;

/** Records by migration id, the newest {@link MAX_RECORDS}. */
export class MigrationBook<R extends BookEntry> {
  private readonly records = new Map<string, R>();

  /** Records a new migration; an id seen before is accepted again only if it was aborted. */
  remember(record: R): R {
    const prev = this.records.get(record.id);
    if (prev && prev.outcome !== 'aborted') throw new AlreadyExistsError(`migration ${record.id} is already ${prev.outcome} here`);
    this.records.delete(record.id);
    this.records.set(record.id, record);
    while (this.records.size > MAX_RECORDS) this.records.delete(this.records.keys().next().value!);
    return record;
  }

  get(id: string): R | undefined {
    return this.records.get(id);
  }

  /** Stops every staging timer (shutdown). */
  close(): void {
    for (const r of this.records.values()) r.timer?.cancel();
  }
}

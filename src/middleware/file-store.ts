/**
 * The embedded filesystem store. Chunks live in pack files (many chunks appended
 * to one file, with an index file naming each chunk's offset), manifests in one
 * JSON file each. Every write is atomic: data goes to a temporary file, is
 * fsynced, then renamed into place, and the folder is fsynced. A pack becomes
 * visible only when its index exists, and a snapshot only when its manifest does,
 * so a process killed during a park leaves nothing half-visible: at the next open
 * the temporary files are removed and the store opens as before.
 *
 *   ROOT/packs/<id>.pack   chunk bytes
 *   ROOT/packs/<id>.idx    JSON [[hash, offset, length], ...]
 *   ROOT/manifests/<id>.json  (its page list packed: page-list.ts; the old form, an entry per page, is read too)
 *   ROOT/directory.json    where tasks run
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlreadyExistsError, Code, describeError, fileProblem, makeDirsSync, MigvisorError } from '../common/index.ts';
import { manifestFromStored } from './page-list.ts';
import { MAX_SNAPSHOT_ID_LENGTH, type ChunkHash, type ChunkWriter, type Location, type Lock, type Manifest, type SnapshotStore, type StoreStats } from './store.ts';

/** A pack index's entries, or what is wrong with its text. */
function packIndex(text: string): [ChunkHash, number, number][] | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    return `not JSON (${describeError(e)})`;
  }
  if (!Array.isArray(raw)) return 'not a list of entries';
  const ok = raw.every((e) => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && Number.isSafeInteger(e[1]) && e[1] >= 0 && Number.isSafeInteger(e[2]) && e[2] >= 0);
  return ok ? (raw as [ChunkHash, number, number][]) : 'an entry is not [hash, offset, length]';
}

interface Entry {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
  await syncDir(path.dirname(file));
}

/**
 * A file's text in one read of its size (files here are replaced by rename, never
 * changed in place): about half the time of readFile's chunked reads for a large
 * manifest, which a lazy restore reads before its task resumes.
 */
async function readWhole(file: string): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(buf, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buf.toString('utf8', 0, at);
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The snapshot store in a folder (see the file header for its layout). */
export class FileStore implements SnapshotStore {
  private readonly index = new Map<ChunkHash, Entry>();
  private readonly handles = new Map<string, Promise<fs.promises.FileHandle>>();
  private readonly locks = new Map<string, { owner: string; until: number }>();
  /** Chunks staged writers rely on without writing them (reference counts). */
  private readonly pins = new Map<ChunkHash, number>();
  private readonly packs: string;
  private readonly manifests: string;
  private directory: Record<string, Location> = {};

  private constructor(
    readonly root: string,
    readonly uri: string,
  ) {
    this.packs = path.join(root, 'packs');
    this.manifests = path.join(root, 'manifests');
  }

  /** Opens (creating if needed) a store at `root`, discarding leftovers of interrupted writes. */
  static async open(root: string, uri = `file://${root}`): Promise<FileStore> {
    const s = new FileStore(root, uri);
    for (const dir of [s.packs, s.manifests]) {
      try {
        makeDirsSync(dir);
      } catch (e: unknown) {
        throw new MigvisorError(`cannot open the store ${uri}: cannot create the folder ${dir}: ${fileProblem(e)}`, Code.FAILED_PRECONDITION, { cause: e });
      }
    }
    for (const dir of [root, s.packs, s.manifests]) {
      for (const f of await fs.promises.readdir(dir)) if (f.endsWith('.tmp')) await fs.promises.rm(path.join(dir, f), { force: true });
    }
    const files = new Set(await fs.promises.readdir(s.packs));
    for (const f of files) {
      if (!f.endsWith('.pack')) continue;
      const id = f.slice(0, -'.pack'.length);
      // A pack without its index was never committed.
      if (!files.has(`${id}.idx`)) await fs.promises.rm(path.join(s.packs, f), { force: true });
    }
    for (const f of files) {
      if (!f.endsWith('.idx')) continue;
      const id = f.slice(0, -'.idx'.length);
      if (!files.has(`${id}.pack`)) continue;
      const file = path.join(s.packs, f);
      const entries = packIndex(await fs.promises.readFile(file, 'utf8'));
      // A damaged index hides its pack's chunks (nothing is deleted): the snapshots that need them say so when read.
      if (typeof entries === 'string') s.noteDamaged(file, `${entries}; the chunks of pack ${id} are unknown until it is mended`);
      else for (const [hash, offset, length] of entries) if (!s.index.has(hash)) s.index.set(hash, { pack: id, offset, length });
    }
    try {
      s.directory = JSON.parse(await fs.promises.readFile(path.join(root, 'directory.json'), 'utf8')) as Record<string, Location>;
    } catch {
      s.directory = {};
    }
    return s;
  }

  /** Damaged files found so far (a pack index at open, a manifest when read): path → what is wrong. */
  readonly damaged = new Map<string, string>();
  /** Told of each damaged file when it is first found (the middleware logs it). */
  onDamaged: (file: string, problem: string) => void = () => {};

  private noteDamaged(file: string, problem: string): void {
    if (this.damaged.get(file) === problem) return;
    this.damaged.set(file, problem);
    this.onDamaged(file, problem);
  }

  /** Whether the store holds a chunk. */
  has(hash: ChunkHash): boolean {
    return this.index.has(hash);
  }

  /** Pins a chunk a staged writer relies on (gc keeps it). */
  pin(hash: ChunkHash): void {
    this.pins.set(hash, (this.pins.get(hash) ?? 0) + 1);
  }

  /** Releases a pin. */
  unpin(hash: ChunkHash): void {
    const n = (this.pins.get(hash) ?? 0) - 1;
    if (n > 0) this.pins.set(hash, n);
    else this.pins.delete(hash);
  }

  /** A writer for the chunks of one park. */
  writer(): ChunkWriter {
    return new PackWriter(this);
  }

  /** Called by a committed PackWriter. */
  async addPack(id: string, entries: readonly [ChunkHash, number, number][]): Promise<void> {
    await writeAtomic(path.join(this.packs, `${id}.idx`), JSON.stringify(entries));
    for (const [hash, offset, length] of entries) if (!this.index.has(hash)) this.index.set(hash, { pack: id, offset, length });
  }

  /** The path of a pack file (`tmp`: its temporary name while written). */
  packPath(id: string, tmp = false): string {
    return path.join(this.packs, `${id}.pack${tmp ? '.tmp' : ''}`);
  }

  /** One open handle per pack (concurrent readers share the same open). */
  private handle(pack: string): Promise<fs.promises.FileHandle> {
    let h = this.handles.get(pack);
    if (!h) {
      h = fs.promises.open(this.packPath(pack), 'r');
      h.catch(() => this.handles.delete(pack));
      this.handles.set(pack, h);
    }
    return h;
  }

  private entry(hash: ChunkHash): Entry {
    const e = this.index.get(hash);
    if (!e) throw new MigvisorError(`chunk ${hash.slice(0, 16)} is missing from the store`, Code.DATA_LOSS);
    return e;
  }

  /** Reads a chunk (the caller checks it against its hash). */
  async get(hash: ChunkHash): Promise<Uint8Array> {
    return (await this.getMany([hash]))[0]!;
  }

  /** Reads chunks, one read per run of chunks lying next to each other in a pack. */
  async getMany(hashes: readonly ChunkHash[]): Promise<Uint8Array[]> {
    const entries = hashes.map((h) => this.entry(h));
    const out: Uint8Array[] = new Array<Uint8Array>(hashes.length);
    const reads: Promise<void>[] = [];
    for (let i = 0; i < entries.length; ) {
      const first = entries[i]!;
      let j = i + 1;
      let end = first.offset + first.length;
      while (j < entries.length && entries[j]!.pack === first.pack && entries[j]!.offset === end) end += entries[j++]!.length;
      const [from, to] = [i, j];
      reads.push(
        (async () => {
          const buf = Buffer.allocUnsafe(end - first.offset);
          const { bytesRead } = await (await this.handle(first.pack)).read(buf, 0, buf.length, first.offset);
          if (bytesRead !== buf.length) throw new MigvisorError(`pack ${first.pack} is truncated`, Code.DATA_LOSS);
          for (let k = from, at = 0; k < to; k++) {
            out[k] = buf.subarray(at, at + entries[k]!.length);
            at += entries[k]!.length;
          }
        })(),
      );
      i = j;
    }
    await Promise.all(reads);
    return out;
  }

  private manifestPath(id: string): string {
    if (id.length > MAX_SNAPSHOT_ID_LENGTH) throw new MigvisorError(`snapshot id: at most ${MAX_SNAPSHOT_ID_LENGTH} characters, got ${id.length}`, Code.INVALID_ARGUMENT);
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new MigvisorError(`bad snapshot id ${JSON.stringify(id)}`, Code.INVALID_ARGUMENT);
    return path.join(this.manifests, `${id}.json`);
  }

  /** Stores a manifest atomically: the snapshot becomes visible. */
  async putManifest(m: Manifest): Promise<void> {
    await writeAtomic(this.manifestPath(m.id), JSON.stringify(m));
  }

  /** A snapshot's manifest, if it exists; a damaged one fails with DATA_LOSS naming its file. */
  async getManifest(id: string): Promise<Manifest | undefined> {
    const file = this.manifestPath(id);
    let text: string;
    try {
      text = await readWhole(file);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const raw = JSON.parse(text) as unknown;
      const m = raw as Partial<Manifest> | null;
      if (typeof m !== 'object' || m === null || m.id !== id || typeof m.taskId !== 'string' || typeof m.createdUnixMs !== 'number') throw new Error('not a manifest of this snapshot');
      return manifestFromStored(raw, `snapshot ${id}`);
    } catch (e: unknown) {
      const problem = describeError(e);
      this.noteDamaged(file, problem);
      throw new MigvisorError(`snapshot ${id}: its manifest ${file} is damaged (${problem}); \`snapshot rm ${id} --force\` removes it`, Code.DATA_LOSS, { cause: e });
    }
  }

  /** Every readable manifest, oldest first; a damaged one is left out (and told to {@link onDamaged}). */
  async listManifests(): Promise<Manifest[]> {
    return (await this.readManifests()).manifests;
  }

  private async readManifests(): Promise<{ manifests: Manifest[]; damaged: number }> {
    const out: Manifest[] = [];
    let damaged = 0;
    for (const f of await fs.promises.readdir(this.manifests)) {
      if (!f.endsWith('.json')) continue;
      try {
        const m = await this.getManifest(f.slice(0, -'.json'.length));
        if (m) out.push(m);
      } catch (e: unknown) {
        if (!(e instanceof MigvisorError) || e.code !== Code.DATA_LOSS) throw e;
        damaged++;
      }
    }
    return { manifests: out.sort((a, b) => a.createdUnixMs - b.createdUnixMs), damaged };
  }

  /** Deletes a manifest (its chunks stay until gc). */
  async deleteManifest(id: string): Promise<void> {
    await fs.promises.rm(this.manifestPath(id), { force: true });
    await syncDir(this.manifests);
  }

  /** Rewrites or removes packs holding chunks no manifest references. */
  async gc(): Promise<number> {
    const live = new Set<ChunkHash>(this.pins.keys());
    const { manifests, damaged } = await this.readManifests();
    // A damaged manifest may still need chunks no readable one names: nothing is freed until it is mended or removed.
    if (damaged > 0) return 0;
    for (const m of manifests) for (const [, h] of m.pages) live.add(h);
    const byPack = new Map<string, [ChunkHash, Entry][]>();
    for (const [h, e] of this.index) {
      const list = byPack.get(e.pack) ?? [];
      list.push([h, e]);
      byPack.set(e.pack, list);
    }
    let freed = 0;
    for (const [pack, entries] of byPack) {
      const keep = entries.filter(([h]) => live.has(h));
      if (keep.length === entries.length) continue;
      for (const [h, e] of entries) {
        if (live.has(h)) continue;
        freed += e.length;
        this.index.delete(h);
      }
      if (keep.length > 0) {
        // Copy the live chunks into a new pack first; only then drop the old one.
        const w = new PackWriter(this);
        for (const [h, e] of keep) {
          this.index.delete(h);
          const data = Buffer.allocUnsafe(e.length);
          await (await this.handle(pack)).read(data, 0, e.length, e.offset);
          w.put(h, data, true);
        }
        await w.commit();
      }
      await (await this.handles.get(pack)?.catch(() => undefined))?.close();
      this.handles.delete(pack);
      await fs.promises.rm(path.join(this.packs, `${pack}.idx`), { force: true });
      await fs.promises.rm(this.packPath(pack), { force: true });
    }
    await syncDir(this.packs);
    return freed;
  }

  /** Chunk bytes and count. */
  async stats(): Promise<StoreStats> {
    let bytes = 0;
    for (const e of this.index.values()) bytes += e.length;
    return { bytes, chunks: this.index.size };
  }

  /** Records where a task is (undefined: forgets it). */
  async setLocation(taskId: string, loc: Location | undefined): Promise<void> {
    if (loc) this.directory[taskId] = loc;
    else delete this.directory[taskId];
    await writeAtomic(path.join(this.root, 'directory.json'), JSON.stringify(this.directory));
  }

  /** Where a task was last recorded. */
  async getLocation(taskId: string): Promise<Location | undefined> {
    return this.directory[taskId];
  }

  /** One middleware process serves a filesystem store, so its locks live in that process. */
  async lock(taskId: string, owner: string, ttlMs: number): Promise<Lock> {
    const now = Date.now();
    const held = this.locks.get(taskId);
    if (held && held.until > now) throw new AlreadyExistsError(`task ${taskId} is being moved by ${held.owner}`);
    const mine = { owner, until: now + ttlMs };
    this.locks.set(taskId, mine);
    return {
      release: async () => {
        if (this.locks.get(taskId) === mine) this.locks.delete(taskId);
      },
    };
  }

  /** Closes the store (file handles, connections, leases). */
  async close(): Promise<void> {
    for (const h of this.handles.values()) await (await h.catch(() => undefined))?.close();
    this.handles.clear();
  }
}

/** Bytes gathered before one write to the pack (one writev of the chunks as they came, no copy). */
const WRITE_BUFFER = 1 << 20;
/**
 * Every this many bytes written, the pack is synced in the background while the
 * park goes on, so the sync at commit (in the park's downtime) has only the
 * last of it to write out.
 */
const SYNC_EVERY = 8 << 20;

/** Appends new chunks to a temporary pack; commit fsyncs it, renames it and writes its index. */
class PackWriter implements ChunkWriter {
  private readonly id = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  private readonly entries: [ChunkHash, number, number][] = [];
  private readonly pending = new Set<ChunkHash>();
  private readonly pinned = new Set<ChunkHash>();
  private offset = 0;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private written = 0;
  private unsynced = 0;
  private fh: Promise<fs.promises.FileHandle> | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** The background sync in progress, if any (its failure fails the commit). */
  private syncing: Promise<void> | undefined;
  private failed: unknown;

  constructor(private readonly store: FileStore) {}

  put(hash: ChunkHash, data: Uint8Array, force = false): number {
    if (this.pending.has(hash)) return 0;
    if (!force && this.store.has(hash)) {
      if (!this.pinned.has(hash)) {
        this.store.pin(hash);
        this.pinned.add(hash);
      }
      return 0;
    }
    this.pending.add(hash);
    this.entries.push([hash, this.offset, data.length]);
    this.offset += data.length;
    this.buffered.push(data);
    this.bufferedBytes += data.length;
    if (this.bufferedBytes >= WRITE_BUFFER) this.flush();
    return data.length;
  }

  /** Writes what is buffered, in order, in one writev (the chunks are not copied together first). */
  private flush(): void {
    if (this.bufferedBytes === 0) return;
    const parts = this.buffered;
    const length = this.bufferedBytes;
    const at = this.written;
    this.written += length;
    this.buffered = [];
    this.bufferedBytes = 0;
    this.fh ??= fs.promises.open(this.store.packPath(this.id, true), 'w');
    const fh = this.fh;
    this.chain = this.chain.then(async () => {
      const f = await fh;
      const { bytesWritten } = await f.writev(parts, at);
      // A short write (rare for files) is finished with plain writes.
      if (bytesWritten < length) {
        const rest = Buffer.concat(parts, length).subarray(bytesWritten);
        for (let done = 0; done < rest.length; ) done += (await f.write(rest, done, rest.length - done, at + bytesWritten + done)).bytesWritten;
      }
      this.unsynced += length;
      if (this.unsynced >= SYNC_EVERY && !this.syncing) {
        this.unsynced = 0;
        const s = f.datasync().finally(() => (this.syncing = undefined));
        s.catch((e: unknown) => (this.failed ??= e));
        this.syncing = s;
      }
    });
    this.chain.catch((e: unknown) => (this.failed ??= e));
  }

  async commit(): Promise<void> {
    this.flush();
    await this.chain.catch(() => undefined);
    await this.syncing?.catch(() => undefined);
    if (this.failed !== undefined) throw this.failed;
    if (!this.fh) return;
    const fh = await this.fh;
    await fh.sync();
    await fh.close();
    await fs.promises.rename(this.store.packPath(this.id, true), this.store.packPath(this.id));
    await this.store.addPack(this.id, this.entries);
  }

  async release(): Promise<void> {
    for (const h of this.pinned) this.store.unpin(h);
    this.pinned.clear();
  }

  async abort(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.syncing?.catch(() => undefined);
    const fh = await this.fh?.catch(() => undefined);
    await fh?.close();
    await fs.promises.rm(this.store.packPath(this.id, true), { force: true });
    await this.release();
  }
}

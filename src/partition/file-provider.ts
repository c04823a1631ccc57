/**
 * File providers: a provider name mapped to a sandboxed host directory with rights.
 * Nothing a traveler names may reach outside the directory: absolute paths, `..`
 * segments and symbolic links that lead out are refused (E_ESCAPE), and the final
 * path component is opened with O_NOFOLLOW so a link swapped in later cannot escape.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirsSync } from '../common/make-dirs.ts';
import { OpenFlag, SysError, SysCallError } from './sys-error.ts';

/** Rights of a partition on a file provider. */
export interface FileRights {
  readonly read: boolean;
  readonly write: boolean;
}

/** File rights as written in a grant (`r`, `w`, `rw`). */
export function parseFileRights(text: string): FileRights {
  return { read: text.includes('r'), write: text.includes('w') };
}

/** A sandboxed host folder: nothing opened through it can reach outside (no `..`, no absolute path, no symlink). */
export class FileProvider {
  private readonly realRoot: string;

  constructor(
    readonly name: string,
    root: string,
    readonly rights: FileRights,
  ) {
    makeDirsSync(root);
    this.realRoot = fs.realpathSync(root);
  }

  get root(): string {
    return this.realRoot;
  }

  /** Resolves a traveler's path inside the sandbox, or throws E_ESCAPE / E_INVAL. */
  resolve(relative: string): string {
    if (relative.length === 0 || relative.includes('\0')) {
      throw new SysCallError(SysError.E_INVAL, `bad path ${JSON.stringify(relative)}`);
    }
    if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
      throw new SysCallError(SysError.E_ESCAPE, `path ${JSON.stringify(relative)} leaves provider ${this.name}`);
    }
    const full = path.join(this.realRoot, relative);
    // The deepest existing ancestor must really lie inside the root (catches symlinked folders).
    let probe = full;
    while (!fs.existsSync(probe)) probe = path.dirname(probe);
    const real = fs.realpathSync(probe);
    if (real !== this.realRoot && !real.startsWith(this.realRoot + path.sep)) {
      throw new SysCallError(SysError.E_ESCAPE, `path ${JSON.stringify(relative)} leaves provider ${this.name} through a link`);
    }
    return full;
  }

  open(relative: string, flags: number): OpenFile {
    const wantsWrite = (flags & (OpenFlag.O_WRITE | OpenFlag.O_CREATE | OpenFlag.O_TRUNC | OpenFlag.O_APPEND)) !== 0;
    const wantsRead = (flags & OpenFlag.O_READ) !== 0 || !wantsWrite;
    if ((wantsWrite && !this.rights.write) || (wantsRead && !this.rights.read)) {
      throw new SysCallError(SysError.E_PERM, `provider ${this.name} does not grant ${wantsWrite ? 'write' : 'read'} access`);
    }
    const full = this.resolve(relative);
    const C = fs.constants;
    let mode = wantsRead && wantsWrite ? C.O_RDWR : wantsWrite ? C.O_WRONLY : C.O_RDONLY;
    if (flags & OpenFlag.O_CREATE) mode |= C.O_CREAT;
    if (flags & OpenFlag.O_TRUNC) mode |= C.O_TRUNC;
    if (flags & OpenFlag.O_APPEND) mode |= C.O_APPEND;
    mode |= C.O_NOFOLLOW;
    try {
      return new OpenFile(fs.openSync(full, mode, 0o644), this.name, relative);
    } catch (e: unknown) {
      throw fsError(e, `${this.name}/${relative}`);
    }
  }
}

function fsError(e: unknown, what: string): SysCallError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SysCallError(SysError.E_NOENT, `${what}: no such file`);
  if (code === 'ELOOP') return new SysCallError(SysError.E_ESCAPE, `${what}: is a link`);
  if (code === 'EACCES' || code === 'EPERM') return new SysCallError(SysError.E_PERM, `${what}: permission denied`);
  if (code === 'EISDIR') return new SysCallError(SysError.E_INVAL, `${what}: is a directory`);
  return new SysCallError(SysError.E_IO, `${what}: ${(e as Error).message}`);
}

/** An open file of a traveler. */
export class OpenFile {
  private closed = false;

  constructor(
    private readonly fd: number,
    readonly provider: string,
    readonly path: string,
  ) {}

  read(len: number): Uint8Array {
    const buf = new Uint8Array(len);
    try {
      const n = fs.readSync(this.fd, buf, 0, len, null);
      return buf.subarray(0, n);
    } catch (e: unknown) {
      throw fsError(e, `${this.provider}/${this.path}`);
    }
  }

  write(data: Uint8Array): number {
    try {
      return fs.writeSync(this.fd, data, 0, data.length, null);
    } catch (e: unknown) {
      throw fsError(e, `${this.provider}/${this.path}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** Most handles one traveler may hold open. */
export const MAX_HANDLES = 16;
const FIRST_HANDLE = 3;

/**
 * A traveler's open handles. Handles do not travel: at migration they are all
 * closed and remembered, so the next use of one gets E_CLOSED ("closed by
 * migration") rather than E_BADF, and the program knows to re-open.
 */
export class HandleTable {
  private readonly open = new Map<number, OpenFile>();
  private readonly closedByMigration = new Set<number>();

  add(file: OpenFile): number {
    if (this.open.size >= MAX_HANDLES) {
      file.close();
      throw new SysCallError(SysError.E_MFILE, `too many open handles (limit ${MAX_HANDLES})`);
    }
    let h = FIRST_HANDLE;
    while (this.open.has(h) || this.closedByMigration.has(h)) h++;
    this.open.set(h, file);
    return h;
  }

  get(h: number): OpenFile {
    const f = this.open.get(h);
    if (f) return f;
    if (this.closedByMigration.has(h)) throw new SysCallError(SysError.E_CLOSED, `handle ${h} was closed by migration`);
    throw new SysCallError(SysError.E_BADF, `handle ${h} is not open`);
  }

  close(h: number): void {
    const f = this.open.get(h);
    if (f) {
      f.close();
      this.open.delete(h);
      return;
    }
    if (this.closedByMigration.delete(h)) throw new SysCallError(SysError.E_CLOSED, `handle ${h} was closed by migration`);
    throw new SysCallError(SysError.E_BADF, `handle ${h} is not open`);
  }

  /** Closes every open handle and remembers their numbers (migration, copy). Returns the numbers. */
  closeForMigration(): number[] {
    const hs = [...this.open.keys()];
    for (const [h, f] of this.open) {
      f.close();
      this.closedByMigration.add(h);
    }
    this.open.clear();
    return hs;
  }

  /** Marks handle numbers as closed by migration (on the receiving side). */
  markClosedByMigration(handles: readonly number[]): void {
    for (const h of handles) this.closedByMigration.add(h);
  }

  /** Handle numbers that are open, and those closed by migration. */
  describe(): { open: { handle: number; provider: string; path: string }[]; closedByMigration: number[] } {
    return {
      open: [...this.open].map(([handle, f]) => ({ handle, provider: f.provider, path: f.path })),
      closedByMigration: [...this.closedByMigration].sort((a, b) => a - b),
    };
  }

  closeAll(): void {
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }
}

/**
 * Chunk bytes in NATS JetStream's object store (README "Chunks on a replicated
 * engine"): one bucket, `migvisor-chunks`, replicated over the JetStream cluster
 * (`--chunk-replicas`, 3 by default), holding packs: one object of several chunks
 * each (an object per 4 KiB page would cost a JetStream round trip per page).
 * Which chunk lies where is the catalog's business (replicated-store.ts).
 *
 * Every call is retried with back-off for a bounded time: when a server of the
 * cluster dies, the client reconnects to another and the bucket's stream elects
 * a new leader, which takes seconds; a call that still fails then is UNAVAILABLE.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection, type TlsOptions } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager, type MsgRequest } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { Code, describeError, InvalidArgumentError, MigvisorError } from '../common/index.ts';

/** The object store bucket of the archive. */
export const PACK_BUCKET = 'migvisor-chunks';
/** Longest one call keeps retrying (ms). */
const RETRY_MS = 20_000;
/** Largest stream message of a pack (JetStream's default limit is 1 MiB). */
const MAX_CHUNK = 512 * 1024;
/** Deadline of one JetStream request: short, so a request to a server that just died is retried soon. */
const JS_TIMEOUT_MS = 1500;

/** Parses `nats://HOST:PORT[,HOST:PORT...]` into server addresses. */
export function natsServers(uri: string): string[] {
  const scheme = /^(nats|tls):\/\//.exec(uri)?.[0];
  if (!scheme) throw new InvalidArgumentError(`chunks ${JSON.stringify(uri)} must be nats://HOST:PORT[,HOST:PORT...] (or tls://… for TLS)`);
  const list = uri.slice(scheme.length).replace(/\/$/, '').split(',');
  for (const s of list) if (!/^[^\s:/,]+:\d{1,5}$/.test(s)) throw new InvalidArgumentError(`chunks ${uri}: ${JSON.stringify(s)} is not HOST:PORT`);
  return list;
}

/** PEM texts of a TLS connection to NATS: the CA the servers' certificates are signed by, and the client's certificate and key. */
export interface NatsTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * The client's TLS options. No SNI name: the NATS client would send the server's
 * address as one, which node:tls warns about for an IP (RFC 6066); the
 * certificate is still checked against that address.
 */
function natsTlsOptions(tls: NatsTls): TlsOptions {
  return { ca: tls.ca, cert: tls.cert, key: tls.key, servername: undefined } as TlsOptions;
}

/** Packs of chunk bytes in a replicated JetStream object store. */
export class NatsPacks {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly os: ObjectStore,
    private readonly jsm: JetStreamManager,
    readonly uri: string,
    readonly replicas: number,
  ) {}

  /**
   * Connects to the servers of `uri` and opens (or creates) the bucket with `replicas` replicas;
   * with `tls`, only over TLS: the servers' certificates checked against its CA, its certificate presented.
   */
  static async open(uri: string, replicas: number, tls?: NatsTls): Promise<NatsPacks> {
    const servers = natsServers(uri);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new InvalidArgumentError(`chunk replicas ${replicas}: JetStream keeps 1..5 replicas`);
    let nc: NatsConnection;
    try {
      nc = await connect({ servers, timeout: 3000, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: 'migvisor-middleware', ...(tls ? { tls: natsTlsOptions(tls) } : {}) });
    } catch (e: unknown) {
      throw new MigvisorError(`nats at ${servers.join(',')}${tls ? ' (TLS)' : ''} unreachable: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
    }
    try {
      const os = await retrying(`opening bucket ${PACK_BUCKET}`, () => new Objm(jetstream(nc, { timeout: JS_TIMEOUT_MS })).create(PACK_BUCKET, { replicas }), 10_000);
      const have = (await os.status()).replicas;
      if (have !== replicas) throw new MigvisorError(`nats bucket ${PACK_BUCKET} exists with ${have} replica(s), not ${replicas}`, Code.FAILED_PRECONDITION);
      const jsm = await jetstreamManager(nc, { timeout: JS_TIMEOUT_MS });
      return new NatsPacks(nc, os, jsm, uri, replicas);
    } catch (e: unknown) {
      await nc.close().catch(() => undefined);
      throw e;
    }
  }

  /** Stores a pack (replacing one of the same name), as one stream message where it fits. */
  async put(name: string, data: Uint8Array): Promise<void> {
    await retrying(`write of pack ${name}`, () => this.os.putBlob({ name, options: { max_chunk_size: MAX_CHUNK } }, data));
  }

  /**
   * Reads a pack; undefined if there is none of that name. Its info, then its
   * chunk messages by subject, straight from the stream: the object store's own
   * reader makes a consumer per read, which a dead server delays by seconds.
   */
  async get(name: string): Promise<Uint8Array | undefined> {
    return retrying(`read of pack ${name}`, async () => {
      const info = await this.os.info(name);
      if (!info || info.deleted) return undefined;
      const parts: Uint8Array[] = [];
      let seq = 0;
      for (let k = 0; k < info.chunks; k++) {
        const query = { seq: seq + 1, next_by_subj: `$O.${PACK_BUCKET}.C.${info.nuid}` } as unknown as MsgRequest;
        const m = await this.jsm.streams.getMessage(`OBJ_${PACK_BUCKET}`, query);
        if (!m) throw new MigvisorError(`pack ${name}: chunk ${k} of ${info.chunks} is missing from the stream`, Code.DATA_LOSS);
        parts.push(m.data);
        seq = m.seq;
      }
      const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (data.length !== info.size) throw new MigvisorError(`pack ${name}: ${data.length} bytes read, ${info.size} stored`, Code.DATA_LOSS);
      return data;
    });
  }

  /** Deletes a pack (gone already is fine). */
  async delete(name: string): Promise<void> {
    await retrying(`delete of pack ${name}`, async () => {
      try {
        await this.os.delete(name);
      } catch (e: unknown) {
        if (!/not found/i.test(describeError(e))) throw e;
      }
    });
  }

  /** The names of every stored pack. */
  async names(): Promise<string[]> {
    return (await retrying('listing packs', () => this.os.list())).filter((i) => !i.deleted).map((i) => i.name);
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.nc.close().catch(() => undefined);
  }
}

/** Runs `op` until it succeeds or `budgetMs` passed (then UNAVAILABLE, naming what failed). */
async function retrying<T>(what: string, op: () => Promise<T>, budgetMs = RETRY_MS): Promise<T> {
  const until = Date.now() + budgetMs;
  for (let wait = 100; ; wait = Math.min(1000, wait * 2)) {
    try {
      return await op();
    } catch (e: unknown) {
      if (e instanceof MigvisorError) throw e;
      if (Date.now() + wait > until) throw new MigvisorError(`nats chunk store: ${what} failed: ${describeError(e)}`, Code.UNAVAILABLE, { cause: e });
      await sleep(wait);
    }
  }
}

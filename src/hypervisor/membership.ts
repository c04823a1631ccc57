/**
 * Cluster membership as a node or the middleware answers ListNodes: every node
 * of the cluster file, with the address it serves at (the registry of running
 * processes on this host, else its fixed listen address), its CPU and partitions,
 * and whether it answers a health check now; and the middleware.
 */
import * as grpc from '@grpc/grpc-js';
import { deadline, endianToWire, openClient, readEndpoints } from '../common/index.ts';
import type { ClusterConfig, NodeDef } from '../config/index.ts';
import type { ListNodesResponse } from '../generated/migvisor/v1/ListNodesResponse.ts';
import type { Member } from '../generated/migvisor/v1/Member.ts';
import type { MemberState } from '../generated/migvisor/v1/MemberState.ts';
import type { Node } from './node.ts';

/** How long a member has to answer its health check. */
const PROBE_MS = 1000;

/** Who is in the cluster, for ListNodes. */
export interface Membership {
  /** Every member; `self` is the process answering (it is serving, whatever the registry says). */
  list(self?: { readonly name: string; readonly address: string }): Promise<ListNodesResponse>;
}

/** The member a node is, as it knows itself. */
export function selfMember(n: Node, address: string): Member {
  return memberOf(n.def, address, 'MEMBER_STATE_SERVING');
}

function memberOf(def: NodeDef, address: string, state: MemberState): Member {
  return {
    name: def.name,
    address,
    wordSize: def.cpu.word,
    endian: endianToWire(def.cpu.endian),
    pageSize: def.cpu.pageSize,
    state,
    partitions: def.partitions.map((p) => p.name),
  };
}

/** Whether a gRPC server answers at `address` (a health check of the whole server). */
export function probe(address: string, ms = PROBE_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const client = openClient(grpc.Client, address);
    const done = (ok: boolean): void => {
      client.close();
      resolve(ok);
    };
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      () => Buffer.alloc(0),
      (b: Buffer) => b,
      {},
      new grpc.Metadata(),
      { deadline: deadline(ms) },
      (err, reply) => done(!err && reply !== undefined && reply.length >= 2 && reply[0] === 0x08 && reply[1] === 0x01),
    );
  });
}

/** Membership from a cluster file: its nodes, the registry of running processes, and a probe of each. */
export class ClusterMembership implements Membership {
  constructor(
    private readonly cluster: ClusterConfig,
    /** The cluster file (the registry is keyed by it); undefined: fixed listen addresses only. */
    private readonly clusterFile: string | undefined,
  ) {}

  async list(self?: { readonly name: string; readonly address: string }): Promise<ListNodesResponse> {
    const known = this.clusterFile ? readEndpoints(this.clusterFile) : { nodes: {} as Record<string, string>, middleware: undefined };
    const fixed = (listen: string | undefined): string => (listen && !listen.endsWith(':0') ? listen : '');
    const nodes = await Promise.all(
      this.cluster.nodes.map(async (def) => {
        if (self && def.name === self.name) return memberOf(def, self.address, 'MEMBER_STATE_SERVING');
        const address = known.nodes[def.name] ?? fixed(def.listen);
        if (!address) return memberOf(def, '', 'MEMBER_STATE_NOT_STARTED');
        return memberOf(def, address, (await probe(address)) ? 'MEMBER_STATE_SERVING' : 'MEMBER_STATE_UNREACHABLE');
      }),
    );
    const middleware = self?.name === 'middleware' ? self.address : (known.middleware ?? fixed(this.cluster.middleware?.listen));
    const middlewareState: MemberState = !middleware ? 'MEMBER_STATE_NOT_STARTED' : self?.name === 'middleware' || (await probe(middleware)) ? 'MEMBER_STATE_SERVING' : 'MEMBER_STATE_UNREACHABLE';
    return { nodes, middleware: middleware ?? '', middlewareState };
  }
}

/**
 * The Testbed gRPC service (proto/migvisor/v1/testbed.proto) that `cluster up`
 * serves beside its cluster: it checks each request and turns it into a call on
 * the {@link Testbed}; every reply carries the link or process as it is now.
 */
import { enumField, InvalidArgumentError, requiredName, ServiceHost, unaryHandler, wire, wireEnum } from '../common/index.ts';
import type { LinkProfile } from '../config/index.ts';
import type { Link } from '../generated/migvisor/v1/Link.ts';
import type { Process } from '../generated/migvisor/v1/Process.ts';
import type { TestbedHandlers } from '../generated/migvisor/v1/Testbed.ts';
import type { LinkStatus } from './link.ts';
import type { ProcessInfo } from './live-cluster.ts';
import type { Testbed } from './testbed.ts';

const LOSS_MODE_WIRE = wireEnum<'stall' | 'drop', 'LOSS_MODE_STALL' | 'LOSS_MODE_DROP'>('LOSS_MODE_', ['stall', 'drop']);
const CUT_MODE_WIRE = wireEnum<'reset' | 'blackhole', 'CUT_MODE_RESET' | 'CUT_MODE_BLACKHOLE'>('CUT_MODE_', ['reset', 'blackhole']);
const LINK_STATE_WIRE = wireEnum<'up' | 'cut' | 'blackhole', 'LINK_STATE_UP' | 'LINK_STATE_CUT' | 'LINK_STATE_BLACKHOLE'>('LINK_STATE_', ['up', 'cut', 'blackhole']);
const PROCESS_STATE_WIRE = wireEnum<ProcessInfo['state'], 'PROCESS_STATE_RUNNING' | 'PROCESS_STATE_FROZEN' | 'PROCESS_STATE_KILLED' | 'PROCESS_STATE_EXITED'>('PROCESS_STATE_', [
  'running',
  'frozen',
  'killed',
  'exited',
]);

/** A link as the wire says it. */
export function toWireLink(l: LinkStatus): Link {
  const [forward, back] = l.directions;
  return {
    between: [...l.between],
    profile: {
      ...(l.profile.bandwidth !== undefined ? { bandwidthBitsPerSecond: Math.round(l.profile.bandwidth * 8) } : {}),
      latencyMs: l.profile.latencyMs,
      jitterMs: l.profile.jitterMs,
      loss: l.profile.loss,
      lossMode: LOSS_MODE_WIRE.toWire(l.profile.lossMode),
    },
    profileText: l.description,
    state: LINK_STATE_WIRE.toWire(l.state),
    bytesForward: forward.bytes,
    bytesBack: back.bytes,
    connections: l.connections.open,
    connectionsTotal: l.connections.total,
    lostSegments: forward.lostSegments + back.lostSegments,
    corruptedBytes: forward.corruptedBytes + back.corruptedBytes,
    resets: l.resets,
  };
}

function toWireProcess(p: ProcessInfo): Process {
  return { name: p.name, address: p.address, pid: p.pid ?? 0, state: PROCESS_STATE_WIRE.toWire(p.state), restarts: p.restarts };
}

/** A number field of a request that must be finite and within bounds. */
function bounded(v: number | undefined, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isFinite(v) || v < min || v > max) throw new InvalidArgumentError(`${field}: ${min} to ${max}, got ${v}`);
  return v;
}

/** The handlers of the Testbed service over `testbed`. */
export function testbedHandlers(testbed: Testbed): TestbedHandlers {
  return {
    ListLinks: unaryHandler(() => ({ links: testbed.links().map(toWireLink) })),
    SetLink: unaryHandler((r) => {
      const a = requiredName(r.a, 'a');
      const b = requiredName(r.b, 'b');
      const change: { -readonly [K in keyof LinkProfile]?: LinkProfile[K] } = {};
      const bits = bounded(r.bandwidthBitsPerSecond ?? undefined, 'bandwidth_bits_per_second', 0, 1e12);
      if (bits !== undefined) change.bandwidth = bits === 0 ? undefined : bits / 8;
      const latency = bounded(r.latencyMs ?? undefined, 'latency_ms', 0, 60_000);
      if (latency !== undefined) change.latencyMs = latency;
      const jitter = bounded(r.jitterMs ?? undefined, 'jitter_ms', 0, 60_000);
      if (jitter !== undefined) change.jitterMs = jitter;
      const loss = bounded(r.loss ?? undefined, 'loss', 0, 1);
      if (loss !== undefined) change.loss = loss;
      // UNSPECIFIED: unchanged.
      if (r.lossMode !== undefined && r.lossMode !== 'LOSS_MODE_UNSPECIFIED') change.lossMode = enumField(LOSS_MODE_WIRE, r.lossMode, 'loss_mode');
      return { link: toWireLink(testbed.setLink(a, b, change)) };
    }),
    CutLink: unaryHandler((r) => {
      const mode = enumField(CUT_MODE_WIRE, r.mode, 'mode', 'reset');
      const forMs = bounded(r.forMs, 'for_ms', 0, 3_600_000) ?? 0;
      return { link: toWireLink(testbed.cut(requiredName(r.a, 'a'), requiredName(r.b, 'b'), mode, forMs)) };
    }),
    HealLink: unaryHandler((r) => ({ link: toWireLink(testbed.heal(requiredName(r.a, 'a'), requiredName(r.b, 'b'))) })),
    ListProcesses: unaryHandler(() => ({ processes: testbed.cluster.processes().map(toWireProcess) })),
    InjectFault: unaryHandler(async (r) => {
      switch (r.fault) {
        case 'kill':
          return { detail: await testbed.kill(requiredName(r.kill?.process, 'kill.process')) };
        case 'restart':
          return { detail: await testbed.restart(requiredName(r.restart?.process, 'restart.process')) };
        case 'freeze':
          return { detail: testbed.freeze(requiredName(r.freeze?.process, 'freeze.process'), bounded(r.freeze?.forMs, 'freeze.for_ms', 0, 3_600_000) ?? 0) };
        case 'thaw':
          return { detail: testbed.thaw(requiredName(r.thaw?.process, 'thaw.process')) };
        case 'corrupt': {
          const c = r.corrupt;
          const from = requiredName(c?.from, 'corrupt.from');
          const to = requiredName(c?.to, 'corrupt.to');
          if (c?.what === 'chunk' && c.chunk) return { detail: testbed.corrupt(from, to, { chunk: true }) };
          if (c?.what !== 'bytes') throw new InvalidArgumentError('corrupt.what: bytes or chunk is required');
          return { detail: testbed.corrupt(from, to, { bytes: bounded(c.bytes, 'corrupt.bytes', 1, 1 << 20)! }) };
        }
        case 'delay': {
          const d = r.delay;
          return { detail: testbed.delay(requiredName(d?.from, 'delay.from'), requiredName(d?.to, 'delay.to'), bounded(d?.ms, 'delay.ms', 1, 600_000)!) };
        }
        case 'fillGate':
          return { detail: await testbed.fillGate(requiredName(r.fillGate?.node, 'fill_gate.node'), requiredName(r.fillGate?.gate, 'fill_gate.gate')) };
        case 'expireDeadline':
          return { detail: await testbed.expireDeadline(requiredName(r.expireDeadline?.node, 'expire_deadline.node'), requiredName(r.expireDeadline?.taskId, 'expire_deadline.task_id')) };
        default:
          throw new InvalidArgumentError('fault: one of kill, restart, freeze, thaw, corrupt, delay, fill_gate, expire_deadline is required');
      }
    }),
  };
}

/** The testbed's gRPC server (with health and reflection). */
export class TestbedServer {
  private readonly host = new ServiceHost(['migvisor.v1.Testbed']);

  constructor(testbed: Testbed) {
    this.host.addService(wire().Testbed.service, testbedHandlers(testbed));
  }

  /** Binds and serves; resolves with host:port. */
  listen(address: string): Promise<string> {
    return this.host.listen(address);
  }

  /** Stops serving (calls in flight get `graceMs`). */
  shutdown(graceMs = 1000): Promise<void> {
    return this.host.shutdown(graceMs);
  }
}

/** `migvisor fault KIND`: each fault kind as one InjectFault call to the Testbed service of `cluster up`. */
import { InvalidArgumentError, unary } from '../../common/index.ts';
import type { InjectFaultRequest } from '../../generated/migvisor/v1/InjectFaultRequest.ts';
import { wholeMs } from '../option-values.ts';
import { printMessage } from '../print.ts';
import { withRemote } from '../remote.ts';
import type { FaultFlags } from './fault.ts';

/** The process a fault names: --node N, or --middleware. */
function processOf(flags: FaultFlags): string {
  if (flags.node && flags.middleware) throw new InvalidArgumentError('give --node or --middleware, not both');
  if (flags.middleware) return 'middleware';
  if (!flags.node) throw new InvalidArgumentError('which process: give --node NAME or --middleware');
  return flags.node;
}

function inject(flags: FaultFlags, request: InjectFaultRequest): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.testbed(flags.testbed);
    const res = await unary(c.InjectFault, c, request, 'InjectFault', 60_000);
    if (flags.json) printMessage('InjectFaultResponse', res);
    else process.stdout.write(`${res.detail}\n`);
  });
}

/** The node a node fault names (the middleware has faults of its own). */
function nodeOf(flags: FaultFlags, kind: string): string {
  if (flags.node === 'middleware') throw new InvalidArgumentError(`${kind} takes a node; the middleware has ${kind.replace('node', 'middleware')}`);
  return flags.node ?? '';
}

/** The implementation of every `fault` subcommand but cut and heal (those are `link cut` and `link heal`). */
export const FAULTS = {
  'kill-node': (f: FaultFlags) => inject(f, { kill: { process: nodeOf(f, 'kill-node') } }),
  'restart-node': (f: FaultFlags) => inject(f, { restart: { process: nodeOf(f, 'restart-node') } }),
  'kill-middleware': (f: FaultFlags) => inject(f, { kill: { process: 'middleware' } }),
  'restart-middleware': (f: FaultFlags) => inject(f, { restart: { process: 'middleware' } }),
  freeze: (f: FaultFlags) => inject(f, { freeze: { process: processOf(f), forMs: wholeMs(f.for ?? 0) } }),
  thaw: (f: FaultFlags) => inject(f, { thaw: { process: processOf(f) } }),
  corrupt: (f: FaultFlags, from: string, to: string) => {
    if ((f.bytes === undefined) === !f.chunk) throw new InvalidArgumentError('corrupt what: give --bytes N or --chunk');
    return inject(f, { corrupt: { from, to, ...(f.chunk ? { chunk: true } : { bytes: f.bytes ?? 0 }) } });
  },
  delay: (f: FaultFlags, from: string, to: string) => inject(f, { delay: { from, to, ms: wholeMs(f.by ?? 0) } }),
  'fill-gate': (f: FaultFlags) => inject(f, { fillGate: { node: f.node ?? '', gate: f.gate ?? '' } }),
  'expire-deadline': (f: FaultFlags) => inject(f, { expireDeadline: { node: f.node ?? '', taskId: f.task ?? '' } }),
} as const;

/** `migvisor link show|set|cut|heal`: calls to the Testbed service of `cluster up`. */
import Table from 'cli-table3';
import { InvalidArgumentError, unary } from '../../common/index.ts';
import type { Link__Output } from '../../generated/migvisor/v1/Link.ts';
import type { SetLinkRequest } from '../../generated/migvisor/v1/SetLinkRequest.ts';
import { words } from '../format.ts';
import { wholeMs } from '../option-values.ts';
import { printMessage } from '../print.ts';
import { withRemote } from '../remote.ts';
import type { LinkCutFlags, LinkSetFlags, TestbedFlags } from './link.ts';

/** `1.2 MiB`, `340 B`: a byte count for the table. */
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** The links as a table: one row per pair. */
export function linkTable(links: readonly Link__Output[]): string {
  const t = new Table({ head: ['LINK', 'PROFILE', 'STATE', 'A->B', 'B->A', 'CONN', 'TOTAL', 'LOST', 'CORRUPTED', 'RESETS'], style: { head: [], border: [], compact: true } });
  for (const l of links) {
    t.push([
      l.between.join(' <-> '),
      l.profileText,
      words(l.state, 'LINK_STATE_'),
      bytes(Number(l.bytesForward)),
      bytes(Number(l.bytesBack)),
      l.connections,
      l.connectionsTotal,
      l.lostSegments,
      l.corruptedBytes,
      l.resets,
    ]);
  }
  return t.toString();
}

/** One line saying what a link is now. */
function linkLine(l: Link__Output): string {
  return `${l.between.join(' <-> ')}: ${words(l.state, 'LINK_STATE_')}, ${l.profileText}`;
}

/** `link show`. */
export function show(flags: TestbedFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.testbed(flags.testbed);
    const res = await unary(c.ListLinks, c, {}, 'ListLinks');
    if (flags.json) printMessage('ListLinksResponse', res);
    else process.stdout.write(`${linkTable(res.links)}\n`);
  });
}

/** `link set A B` (a bandwidth under 1 bit/s is 1 bit/s: 0 would mean unshaped). */
export function set(a: string, b: string, flags: LinkSetFlags): Promise<void> {
  if (flags.unshaped && flags.bandwidth !== undefined) throw new InvalidArgumentError('--unshaped and --bandwidth contradict each other');
  const req: SetLinkRequest = {
    a,
    b,
    ...(flags.unshaped ? { bandwidthBitsPerSecond: 0 } : flags.bandwidth !== undefined ? { bandwidthBitsPerSecond: Math.max(1, Math.round(flags.bandwidth * 8)) } : {}),
    ...(flags.latency !== undefined ? { latencyMs: flags.latency } : {}),
    ...(flags.jitter !== undefined ? { jitterMs: flags.jitter } : {}),
    ...(flags.loss !== undefined ? { loss: flags.loss } : {}),
    ...(flags.lossMode ? { lossMode: flags.lossMode === 'drop' ? 'LOSS_MODE_DROP' : 'LOSS_MODE_STALL' } : {}),
  };
  return withRemote(flags, async (r) => {
    const c = await r.testbed(flags.testbed);
    const res = await unary(c.SetLink, c, req, `SetLink ${a} ${b}`);
    if (flags.json) printMessage('SetLinkResponse', res);
    else process.stdout.write(`${linkLine(res.link!)}\n`);
  });
}

/** `link cut A B` (and `fault cut`). */
export function cut(a: string, b: string, flags: LinkCutFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.testbed(flags.testbed);
    const req = { a, b, mode: flags.mode === 'blackhole' ? 'CUT_MODE_BLACKHOLE' : 'CUT_MODE_RESET', forMs: wholeMs(flags.for ?? 0) } as const;
    const res = await unary(c.CutLink, c, req, `CutLink ${a} ${b}`);
    if (flags.json) printMessage('CutLinkResponse', res);
    else process.stdout.write(`${linkLine(res.link!)}${req.forMs ? ` (heals in ${req.forMs} ms)` : ''}\n`);
  });
}

/** `link heal A B` (and `fault heal`). */
export function heal(a: string, b: string, flags: TestbedFlags): Promise<void> {
  return withRemote(flags, async (r) => {
    const c = await r.testbed(flags.testbed);
    const res = await unary(c.HealLink, c, { a, b }, `HealLink ${a} ${b}`);
    if (flags.json) printMessage('HealLinkResponse', res);
    else process.stdout.write(`${linkLine(res.link!)}\n`);
  });
}

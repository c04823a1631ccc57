/** Steps and expectations of a scenario in words, one line each, as reports show them. */
import { formatBandwidth, formatDuration, type LinkProfile } from '../config/index.ts';
import type { Action, Expectation, MoveSpec, Step, Trigger } from './model.ts';

/** `migrate c to field-b (precopy)`, `park c`, `restore c to field-a`. */
export function describeMove(m: MoveSpec): string {
  switch (m.kind) {
    case 'park':
      return `park ${m.task}`;
    case 'restore':
      return `restore ${m.task} to ${m.to}`;
    default:
      return `migrate ${m.task} to ${m.to} (${m.kind})`;
  }
}

function describeTrigger(t: Trigger): string {
  return t.kind === 'console' ? `console ${t.task} /${t.pattern.source}/` : `${t.kind} ${t.task}`;
}

function describeChange(p: Partial<LinkProfile>): string {
  const parts: string[] = [];
  if ('bandwidth' in p) parts.push(p.bandwidth === undefined ? 'unshaped' : formatBandwidth(p.bandwidth));
  if (p.latencyMs !== undefined) parts.push(`latency ${formatDuration(p.latencyMs)}`);
  if (p.jitterMs !== undefined) parts.push(`jitter ${formatDuration(p.jitterMs)}`);
  if (p.loss !== undefined) parts.push(`loss ${Number((p.loss * 100).toPrecision(3))}%`);
  if (p.lossMode !== undefined) parts.push(`(${p.lossMode})`);
  return parts.join(' ');
}

/** What an action does, in words. */
export function describeAction(a: Action): string {
  switch (a.type) {
    case 'move':
      return describeMove(a.move);
    case 'start':
      return `start ${a.task}`;
    case 'restart':
      return `cold-restart ${a.task}`;
    case 'evacuate':
      return `evacuate ${a.node} (${a.mode})`;
    case 'link': {
      const pair = `${a.between[0]}<->${a.between[1]}`;
      if (a.change === 'set') return `link set ${pair} ${describeChange(a.profile)}`;
      if (a.change === 'heal') return `link heal ${pair}`;
      return `link cut ${pair}${a.mode === 'blackhole' ? ' (blackhole)' : ''}${a.forMs ? ` for ${formatDuration(a.forMs)}` : ''}`;
    }
    case 'fault': {
      const t = a.target;
      const target = t.between
        ? `${t.between[0]}<->${t.between[1]}`
        : t.from && t.to
          ? `${t.from}->${t.to}`
          : (t.process ?? t.task ?? '');
      const extra = [
        t.gate ? `gate ${t.gate}` : '',
        t.corrupt ? ('chunk' in t.corrupt ? 'next chunk' : `${t.corrupt.bytes} bytes`) : '',
        t.byMs ? `by ${formatDuration(t.byMs)}` : '',
        t.mode === 'blackhole' ? 'blackhole' : '',
        t.forMs ? `for ${formatDuration(t.forMs)}` : '',
      ].filter(Boolean);
      const during = a.during ? ` during ${describeMove(a.during.move)} at ${a.during.phase}` : '';
      return `${a.fault}${target ? ` ${target}` : ''}${extra.length ? ` (${extra.join(', ')})` : ''}${during}`;
    }
  }
}

/** A step in words: `at 2s: migrate c to field-b (precopy)`, `after migrated c, wait 1s`. */
export function describeStep(s: Omit<Step, 'text'>): string {
  const when = [s.atMs !== undefined ? `at ${formatDuration(s.atMs)}` : '', s.after ? `after ${describeTrigger(s.after)}` : '', s.waitMs ? `wait ${formatDuration(s.waitMs)}` : '']
    .filter(Boolean)
    .join(', ');
  const what = s.action ? describeAction(s.action) : '';
  return when && what ? `${when}: ${what}` : when || what;
}

/** An expectation in words: `continuity of c`, `downtime of c at most 50 ms`. */
export function describeExpectation(e: Expectation): string {
  switch (e.kind) {
    case 'continuity':
      return `continuity of ${e.task}${e.pattern ? ` (/${e.pattern.source}/)` : ''}`;
    case 'transparent':
      return `${e.task} runs as it would without the steps`;
    case 'runs_once':
      return `${e.task} ends in exactly one place`;
    case 'lost':
      return `${e.task} is reported lost`;
    case 'intact':
      return `${e.task} is never duplicated nor silently lost`;
    case 'ends_on':
      return `${e.task} ends on ${e.node}`;
    case 'downtime_ms':
      return `downtime of ${e.task} at most ${e.max} ms`;
    case 'total_ms':
      return `every move of ${e.task} within ${e.max} ms`;
    case 'migration_fails':
      return `a move of ${e.task} fails cleanly${e.code ? ` with ${e.code}` : ''}`;
  }
}

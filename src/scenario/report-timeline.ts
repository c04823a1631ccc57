/**
 * The timeline of one run as inline SVG. Each lane (a node, or the middleware
 * holding parked snapshots) is a horizontal band with one row per task; time
 * runs left to right on an axis in ms or s with grid lines. In its rows:
 *
 * - residences as bars in the task's colour: running solid, stopped hatched,
 *   parked dashed (on the middleware lane), lost hatched red;
 * - downtime as a red bar under the stopped task;
 * - moves as arrows from the task's row in the source lane to its row in the
 *   sink lane, from start to end, a dot per reported phase, and an end that
 *   says the outcome: an arrowhead (completed), a red cross (failed), a grey
 *   bar (refused);
 * - faults as a symbol and a label on their target's lane (a link fault
 *   between its two lanes, a fault on anything else across all lanes).
 *
 * Link changes are markers on the axis. Every element carries an SVG `<title>`
 * (the browser's tooltip) with its details, and `data-*` attributes naming what
 * it shows. Labels sit in a band at the top of each lane (and under the axis),
 * stacked into as many levels as keep them apart, so they never overlap each
 * other or a bar. Marker and pattern ids refer to {@link timelineDefs}, which
 * the page includes once.
 */
import { formatDuration } from '../config/index.ts';
import { h, type Markup } from './report-markup.ts';
import type { FaultRecord, LinkChange, MoveRecord, Residence, RunReport } from './report-model.ts';
import { fitText, stack, textWidth, tickLabel, timeScale, type TimeScale } from './report-layout.ts';
import { oneLine } from './report-text.ts';

/** The width of the timeline's view box, in px. */
export const TIMELINE_WIDTH = 1120;

const LEFT = 168;
const RIGHT = 24;
const TOP = 6;
const FONT = 11;
const LEVEL = 14;
const LANE_PAD = 8;
const LINK_LEVEL = 15;

/** Colours the timeline shares with the page's legend. */
export const COLOURS = {
  completed: '#334155',
  failed: '#dc2626',
  refused: '#64748b',
  downtime: '#dc2626',
  fault: '#b45309',
  faultFill: '#f59e0b',
  lost: '#dc2626',
  cut: '#dc2626',
  heal: '#16a34a',
  set: '#2563eb',
} as const;

const KIND_WORDS: Readonly<Record<MoveRecord['kind'], string>> = {
  full: 'full migration',
  precopy: 'pre-copy migration',
  lazy: 'lazy (post-copy) migration',
  park: 'park',
  restore: 'restore',
};

const at = (ms: number): string => formatDuration(ms);
const span = (from: number, to: number): string => `${at(from)} – ${at(to)} (${formatDuration(Math.max(0, to - from))})`;
const lines = (...parts: (string | undefined | false)[]): string => parts.filter((p): p is string => typeof p === 'string' && p !== '').join('\n');

/** The definitions the timelines refer to: hatching, the move ends. Put once into the page, in an SVG of no size. */
export function timelineDefs(): Markup {
  const end = (id: string, path: Markup): Markup =>
    h('marker', { id, viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' }, path);
  return h(
    'svg',
    { class: 'defs', width: 0, height: 0, 'aria-hidden': 'true', focusable: 'false' },
    h(
      'defs',
      {},
      h('pattern', { id: 'mv-hatch', width: 5, height: 5, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, h('rect', { width: 2.2, height: 5, fill: '#ffffff', 'fill-opacity': 0.6 })),
      h('pattern', { id: 'mv-hatch-lost', width: 5, height: 5, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(-45)' }, h('rect', { width: 5, height: 5, fill: '#fee2e2' }), h('rect', { width: 1.6, height: 5, fill: COLOURS.lost })),
      h('marker', { id: 'mv-end-completed', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto', markerUnits: 'userSpaceOnUse' }, h('path', { d: 'M0,0 L10,5 L0,10 z', fill: COLOURS.completed })),
      end('mv-end-failed', h('path', { d: 'M1,1 L9,9 M9,1 L1,9', stroke: COLOURS.failed, 'stroke-width': 2.2, fill: 'none' })),
      end('mv-end-refused', h('path', { d: 'M8,0 L8,10', stroke: COLOURS.refused, 'stroke-width': 2.5, fill: 'none' })),
    ),
  );
}

/** Where the parts of one run go: lanes and rows by name, and the label levels of each lane's band. */
interface Layout {
  readonly scale: TimeScale;
  readonly lanes: readonly string[];
  readonly tasks: readonly string[];
  readonly rowHeight: number;
  readonly barHeight: number;
  readonly laneTop: readonly number[];
  readonly rowsTop: readonly number[];
  readonly laneBottom: readonly number[];
  readonly axisY: number;
  readonly height: number;
}

/** A label in a lane's band (or under the axis): its text, its x span, and its level once stacked. */
interface Label {
  readonly band: number;
  readonly text: string;
  readonly x0: number;
  readonly x1: number;
  level: number;
}

/** Where a fault is drawn: on one lane, between two, or across all. */
type FaultPlace = { readonly lane: number } | { readonly between: readonly [number, number] } | { readonly all: true };

/** The names in `names` and then those of `more` not among them, in order of first appearance. */
function union(names: readonly string[], more: Iterable<string>): string[] {
  const out = [...names];
  const seen = new Set(out);
  for (const n of more) {
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  }
  return out;
}

function linkEnds(target: string): [string, string] | undefined {
  const m = /^(.+?)\s*<->\s*(.+)$/.exec(target);
  return m ? [m[1]!, m[2]!] : undefined;
}

function faultPlace(fault: FaultRecord, lanes: readonly string[]): FaultPlace {
  const lane = lanes.indexOf(fault.target);
  if (lane >= 0) return { lane };
  const ends = linkEnds(fault.target);
  if (ends) {
    const a = lanes.indexOf(ends[0]);
    const b = lanes.indexOf(ends[1]);
    if (a >= 0 && b >= 0) return { between: [Math.min(a, b), Math.max(a, b)] };
  }
  return { all: true };
}

/** The lane whose band holds a fault's label: its own, the lower of a link's two, the first for one across all. */
function faultBand(place: FaultPlace): number {
  if ('lane' in place) return place.lane;
  if ('between' in place) return place.between[1];
  return 0;
}

function moveLabel(m: MoveRecord): string {
  const outcome = m.outcome === 'completed' ? '' : ` ${m.outcome}${m.code ? ` ${m.code}` : ''}`;
  return oneLine(`${m.task} ${m.kind}${outcome}`, 48);
}

function linkLabel(l: LinkChange): string {
  return oneLine(`${l.change} ${l.between[0]}↔${l.between[1]}${l.change === 'set' && l.profile ? ` ${l.profile}` : ''}`, 56);
}

/** A label at `anchor`, to its right, or to its left when it would leave the plot. */
function placeLabel(band: number, text: string, anchor: number, offset: number): Label {
  const w = textWidth(text, FONT);
  const right = anchor + offset;
  const x0 = right + w <= TIMELINE_WIDTH - 4 ? right : Math.max(LEFT + 2, anchor - offset - w);
  return { band, text, x0, x1: x0 + w, level: 0 };
}

/** Stacks `labels` band by band; returns the number of levels each band needs. */
function stackBands(labels: readonly Label[], bands: number): number[] {
  const levels = new Array<number>(bands).fill(0);
  for (let b = 0; b < bands; b++) {
    const mine = labels.filter((l) => l.band === b);
    stack(mine).forEach((level, i) => {
      mine[i]!.level = level;
      levels[b] = Math.max(levels[b]!, level + 1);
    });
  }
  return levels;
}

function layout(moveLabels: readonly Label[], faultLabels: readonly Label[], linkLabels: readonly Label[], scale: TimeScale, lanes: readonly string[], tasks: readonly string[]): Layout {
  const rowHeight = tasks.length <= 6 ? 18 : 13;
  const barHeight = rowHeight - 6;
  const levels = stackBands([...moveLabels, ...faultLabels], lanes.length);
  const laneTop: number[] = [];
  const rowsTop: number[] = [];
  const laneBottom: number[] = [];
  let y = TOP;
  for (let i = 0; i < lanes.length; i++) {
    laneTop.push(y);
    const band = Math.max(1, levels[i]!) * LEVEL + 6;
    rowsTop.push(y + band);
    y += band + tasks.length * rowHeight + LANE_PAD;
    laneBottom.push(y);
  }
  const axisY = y + 2;
  const linkLevels = stackBands(linkLabels, 1)[0]!;
  const height = axisY + 22 + linkLevels * LINK_LEVEL + (linkLevels > 0 ? 10 : 4);
  return { scale, lanes, tasks, rowHeight, barHeight, laneTop, rowsTop, laneBottom, axisY, height };
}

const rowCentre = (l: Layout, lane: number, task: number): number => l.rowsTop[lane]! + task * l.rowHeight + l.rowHeight / 2;
const barTop = (l: Layout, lane: number, task: number): number => rowCentre(l, lane, task) - l.barHeight / 2;
const bandY = (l: Layout, lane: number, level: number): number => l.laneTop[lane]! + 4 + level * LEVEL + LEVEL / 2;

function laneBackgrounds(l: Layout): Markup[] {
  return l.lanes.map((lane, i) =>
    h(
      'g',
      { class: 'lane', 'data-lane': lane },
      h('title', {}, `lane ${lane}${lane === 'middleware' ? ' (the snapshot archive: parked tasks)' : ''}`),
      h('rect', { class: `lane-bg${i % 2 === 1 ? ' odd' : ''}${lane === 'middleware' ? ' archive' : ''}`, x: 0, y: l.laneTop[i]!, width: TIMELINE_WIDTH, height: l.laneBottom[i]! - l.laneTop[i]! }),
      // Lane names are bold 12 px, task names 10.5 px: measured as 13 and 11 px to be safe.
      h('text', { class: 'lane-name', x: 12, y: l.laneTop[i]! + 16 }, fitText(oneLine(lane), LEFT - 24, 13)),
      l.tasks.map((task, j) => h('text', { class: 'task-name', x: LEFT - 10, y: rowCentre(l, i, j) + 3.5, 'text-anchor': 'end' }, fitText(oneLine(task), LEFT - 24, 11))),
    ),
  );
}

function grid(l: Layout, run: RunReport): Markup {
  const top = l.laneTop[0] ?? TOP;
  return h(
    'g',
    { class: 'grid', 'aria-hidden': 'true' },
    l.scale.ticks.map((t) => h('line', { x1: l.scale.x(t), x2: l.scale.x(t), y1: top, y2: l.axisY })),
    // Something was recorded after the run's end: mark where it ended.
    run.durationMs < l.scale.endMs && h('line', { class: 'run-end', x1: l.scale.x(run.durationMs), x2: l.scale.x(run.durationMs), y1: top, y2: l.axisY }),
  );
}

function residenceBar(l: Layout, r: Residence, colour: string, end: number): Markup {
  const lane = l.lanes.indexOf(r.lane);
  const task = l.tasks.indexOf(r.task);
  const toMs = r.toMs ?? end;
  const x = l.scale.x(r.fromMs);
  const width = Math.max(1.5, l.scale.x(toMs) - x);
  const y = barTop(l, lane, task);
  const box = { x, y, width, height: l.barHeight, rx: 2 };
  const shapes: Markup[] = [];
  if (r.state === 'running') shapes.push(h('rect', { ...box, fill: colour }));
  else if (r.state === 'stopped') shapes.push(h('rect', { ...box, fill: colour }), h('rect', { ...box, fill: 'url(#mv-hatch)' }));
  else if (r.state === 'parked') shapes.push(h('rect', { ...box, fill: colour, 'fill-opacity': 0.25, stroke: colour, 'stroke-width': 1.2, 'stroke-dasharray': '4 2' }));
  else shapes.push(h('rect', { ...box, fill: 'url(#mv-hatch-lost)', stroke: COLOURS.lost, 'stroke-width': 1.2 }));
  if ((r.state === 'lost' || r.state === 'parked') && width > 44) {
    shapes.push(h('text', { class: `label bar-note ${r.state}`, x: x + 5, y: y + l.barHeight / 2 + 3.5 }, r.state));
  }
  const title = lines(`${r.task} on ${r.lane}: ${r.state}`, `${at(r.fromMs)} – ${r.toMs === undefined ? `end of run (${at(end)})` : at(r.toMs)} (${formatDuration(Math.max(0, toMs - r.fromMs))})`);
  return h('g', { class: 'residence', 'data-task': r.task, 'data-lane': r.lane, 'data-state': r.state }, h('title', {}, title), shapes);
}

function downtimeBar(l: Layout, m: MoveRecord): Markup | undefined {
  if (!m.downtime) return undefined;
  const lane = l.lanes.indexOf(m.from);
  const task = l.tasks.indexOf(m.task);
  const x = l.scale.x(m.downtime.fromMs);
  const width = Math.max(2, l.scale.x(m.downtime.toMs) - x);
  const y = barTop(l, lane, task) + l.barHeight + 1;
  const title = lines(`downtime of ${m.task}: ${formatDuration(Math.max(0, m.downtime.toMs - m.downtime.fromMs))}`, `${at(m.downtime.fromMs)} – ${at(m.downtime.toMs)}, ${KIND_WORDS[m.kind]} ${m.from} → ${m.to} (${m.outcome})`);
  return h('g', { class: 'downtime', 'data-task': m.task }, h('title', {}, title), h('rect', { x, y, width, height: 3, rx: 1, fill: COLOURS.downtime }));
}

function statsSummary(stats: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!stats) return undefined;
  const entries = Object.entries(stats);
  if (entries.length === 0) return undefined;
  const shown = entries.slice(0, 10).map(([k, v]) => `${k} ${oneLine(typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v), 40)}`);
  return `stats: ${shown.join(', ')}${entries.length > 10 ? `, … (${entries.length - 10} more)` : ''}`;
}

function moveTitle(m: MoveRecord): string {
  return lines(
    `${m.task}: ${KIND_WORDS[m.kind]} ${m.from} → ${m.to}, ${m.outcome}`,
    span(m.startMs, m.endMs),
    m.phases.length > 0 && `phases: ${m.phases.map((p) => `${p.phase} ${at(p.atMs)}`).join(' · ')}`,
    m.downtime && `downtime: ${formatDuration(Math.max(0, m.downtime.toMs - m.downtime.fromMs))} (${at(m.downtime.fromMs)} – ${at(m.downtime.toMs)})`,
    (m.code || m.error) && `error: ${[m.code, m.error].filter(Boolean).join(': ')}`,
    statsSummary(m.stats),
  );
}

function moveArrow(l: Layout, m: MoveRecord, label: Label): Markup {
  const task = l.tasks.indexOf(m.task);
  const from = l.lanes.indexOf(m.from);
  const to = l.lanes.indexOf(m.to);
  const x1 = l.scale.x(m.startMs);
  const x2 = l.scale.x(m.endMs);
  const y1 = rowCentre(l, from, task);
  const y2 = rowCentre(l, to, task);
  const colour = COLOURS[m.outcome];
  const along = (ms: number): [number, number] => {
    const f = m.endMs > m.startMs ? Math.min(1, Math.max(0, (ms - m.startMs) / (m.endMs - m.startMs))) : 0;
    return [x1 + (x2 - x1) * f, y1 + (y2 - y1) * f];
  };
  const dash = m.outcome === 'failed' ? '5 3' : m.outcome === 'refused' ? '2 3' : undefined;
  return h(
    'g',
    { class: `move ${m.outcome}`, 'data-task': m.task, 'data-kind': m.kind, 'data-outcome': m.outcome, 'data-from': m.from, 'data-to': m.to },
    h('title', {}, moveTitle(m)),
    h('line', { class: 'move-hit', x1, y1, x2, y2 }),
    h('line', { x1, y1, x2, y2, stroke: colour, 'stroke-width': 1.6, 'stroke-dasharray': dash, 'marker-end': `url(#mv-end-${m.outcome})` }),
    h('circle', { cx: x1, cy: y1, r: 2.6, fill: colour }),
    m.phases.map((p) => {
      const [cx, cy] = along(p.atMs);
      return h('circle', { class: 'phase', 'data-phase': p.phase, cx, cy, r: 2.3, fill: '#ffffff', stroke: colour, 'stroke-width': 1.2 }, h('title', {}, `${m.task} ${m.kind}: ${p.phase} at ${at(p.atMs)}`));
    }),
    h('text', { class: `label move-label ${m.outcome}`, x: label.x0, y: bandY(l, label.band, label.level) + 3.5 }, label.text),
  );
}

function faultMarker(l: Layout, f: FaultRecord, place: FaultPlace, label: Label): Markup {
  const x = l.scale.x(f.atMs);
  const y = bandY(l, label.band, label.level);
  const title = lines(`fault ${f.kind} on ${f.target} at ${at(f.atMs)}`, f.detail);
  let line: Markup;
  let symbol: Markup;
  if ('between' in place) {
    const [a, b] = place.between;
    line = h('line', { class: 'fault-line', x1: x, x2: x, y1: l.rowsTop[a]!, y2: l.laneBottom[b]! - LANE_PAD });
    symbol = h('path', { d: `M${x},${y - 5} L${x + 5},${y} L${x},${y + 5} L${x - 5},${y} z`, fill: COLOURS.faultFill, stroke: COLOURS.fault, 'stroke-width': 1 });
  } else {
    const last = 'lane' in place ? place.lane : l.lanes.length - 1;
    line = h('line', { class: 'fault-line', x1: x, x2: x, y1: y + 5, y2: l.laneBottom[last]! - LANE_PAD });
    symbol = h('path', { d: `M${x - 5},${y - 4.5} L${x + 5},${y - 4.5} L${x},${y + 4.5} z`, fill: COLOURS.faultFill, stroke: COLOURS.fault, 'stroke-width': 1 });
  }
  return h('g', { class: 'fault', 'data-kind': f.kind, 'data-target': f.target }, h('title', {}, title), line, symbol, h('text', { class: 'label fault-label', x: label.x0, y: y + 3.5 }, label.text));
}

function axis(l: Layout, links: readonly LinkChange[], linkLabels: readonly Label[]): Markup {
  const y = l.axisY;
  return h(
    'g',
    { class: 'axis' },
    h('line', { class: 'axis-line', x1: LEFT, x2: TIMELINE_WIDTH - RIGHT, y1: y, y2: y }),
    l.scale.ticks.map((t) =>
      h('g', { class: 'tick' }, h('line', { x1: l.scale.x(t), x2: l.scale.x(t), y1: y, y2: y + 4 }), h('text', { class: 'tick-label', x: l.scale.x(t), y: y + 15, 'text-anchor': 'middle' }, l.scale.label(t))),
    ),
    // The end of the axis, when it is not a tick and there is room for its label.
    l.scale.x(l.scale.endMs) - l.scale.x(l.scale.ticks.at(-1) ?? 0) > 40 &&
      h(
        'g',
        { class: 'tick end' },
        h('title', {}, `the run ended at ${at(l.scale.endMs)}`),
        h('line', { x1: l.scale.x(l.scale.endMs), x2: l.scale.x(l.scale.endMs), y1: y, y2: y + 4 }),
        h('text', { class: 'tick-label end', x: l.scale.x(l.scale.endMs), y: y + 15, 'text-anchor': 'middle' }, tickLabel(l.scale.endMs, 1)),
      ),
    links.map((c, i) => {
      const label = linkLabels[i]!;
      const x = l.scale.x(c.atMs);
      const ly = y + 22 + label.level * LINK_LEVEL + LINK_LEVEL / 2;
      const title = lines(`link ${c.between[0]} ↔ ${c.between[1]}: ${c.change} at ${at(c.atMs)}`, c.profile && `profile: ${c.profile}`);
      return h(
        'g',
        { class: `link-change ${c.change}`, 'data-change': c.change, 'data-between': `${c.between[0]}<->${c.between[1]}` },
        h('title', {}, title),
        h('line', { class: 'link-stem', x1: x, x2: x, y1: y, y2: ly - 4 }),
        h('circle', { cx: x, cy: y, r: 4, fill: COLOURS[c.change], stroke: '#ffffff', 'stroke-width': 1.2 }),
        h('text', { class: `label link-label ${c.change}`, x: label.x0, y: ly + 3.5 }, label.text),
      );
    }),
  );
}

/** The tasks a timeline of `run` has rows for: its tasks, then any other a residence or a move names. */
export function tasksOf(run: RunReport): string[] {
  return union(run.tasks, [...run.residences.map((r) => r.task), ...run.moves.map((m) => m.task)]);
}

/** The SVG timeline of `run`, each task in `colourOf(task)`. */
export function renderTimeline(run: RunReport, colourOf: (task: string) => string): Markup {
  const lanes = union(run.lanes, [...run.residences.map((r) => r.lane), ...run.moves.flatMap((m) => [m.from, m.to])]);
  const tasks = tasksOf(run);
  const lastMs = Math.max(run.durationMs, ...run.residences.map((r) => r.toMs ?? 0), ...run.moves.map((m) => m.endMs), ...run.faults.map((f) => f.atMs), ...run.links.map((c) => c.atMs), 1);
  const scale = timeScale(lastMs, LEFT, TIMELINE_WIDTH - RIGHT);
  const places = run.faults.map((f) => faultPlace(f, lanes));
  const moveLabels = run.moves.map((m) => placeLabel(lanes.indexOf(m.to), moveLabel(m), scale.x(m.endMs), 6));
  const faultLabels = run.faults.map((f, i) => placeLabel(faultBand(places[i]!), oneLine(f.kind, 32), scale.x(f.atMs), 8));
  const linkLabels = run.links.map((c) => placeLabel(0, linkLabel(c), scale.x(c.atMs), 7));
  const l = layout(moveLabels, faultLabels, linkLabels, scale, lanes, tasks);
  const end = Math.max(run.durationMs, ...run.residences.map((r) => r.toMs ?? r.fromMs));
  return h(
    'svg',
    { class: 'timeline', xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${TIMELINE_WIDTH} ${Math.ceil(l.height)}`, width: TIMELINE_WIDTH, height: Math.ceil(l.height), role: 'img', 'aria-label': `timeline of ${run.name}` },
    h('title', {}, `timeline of ${run.name}: ${lanes.length} lanes, ${run.residences.length} residences, ${run.moves.length} moves, ${run.faults.length} faults`),
    laneBackgrounds(l),
    grid(l, run),
    h('g', { class: 'residences' }, run.residences.map((r) => residenceBar(l, r, colourOf(r.task), end))),
    h('g', { class: 'downtimes' }, run.moves.map((m) => downtimeBar(l, m))),
    h('g', { class: 'faults' }, run.faults.map((f, i) => faultMarker(l, f, places[i]!, faultLabels[i]!))),
    h('g', { class: 'moves' }, run.moves.map((m, i) => moveArrow(l, m, moveLabels[i]!))),
    axis(l, run.links, linkLabels),
  );
}

/**
 * The legend above a timeline: a swatch per task in its colour, then a key per
 * kind of mark (running, stopped, parked, lost, downtime, moves by outcome,
 * faults, link changes), each drawn as the timeline draws it, with the same
 * patterns and markers (report-timeline.ts's definitions).
 */
import { fragment, h, type Child, type Markup } from './report-markup.ts';
import { COLOURS } from './report-timeline.ts';

const GREY = '#8b97a8';

/** A small picture of a legend key and its words. */
function key(shape: Child, label: Child, cls = 'key'): Markup {
  return h('li', { class: cls }, h('svg', { width: 26, height: 14, viewBox: '0 0 26 14', 'aria-hidden': 'true' }, shape), label);
}

function bar(attrs: Readonly<Record<string, string | number>>): Markup {
  return h('rect', { x: 1, y: 3, width: 24, height: 8, rx: 2, ...attrs });
}

function arrow(outcome: 'completed' | 'failed' | 'refused', dash?: string): Markup {
  return h('line', { x1: 2, y1: 7, x2: 22, y2: 7, stroke: COLOURS[outcome], 'stroke-width': 1.6, 'stroke-dasharray': dash, 'marker-end': `url(#mv-end-${outcome})` });
}

const KEYS: readonly Markup[] = [
  key(bar({ fill: GREY }), 'running'),
  key(fragment(bar({ fill: GREY }), bar({ fill: 'url(#mv-hatch)' })), 'stopped'),
  key(bar({ fill: GREY, 'fill-opacity': 0.25, stroke: GREY, 'stroke-dasharray': '4 2' }), 'parked'),
  key(bar({ fill: 'url(#mv-hatch-lost)', stroke: COLOURS.lost }), 'lost'),
  key(h('rect', { x: 1, y: 5.5, width: 24, height: 3, rx: 1, fill: COLOURS.downtime }), 'downtime'),
  key(fragment(arrow('completed'), h('circle', { cx: 11, cy: 7, r: 2.3, fill: '#fff', stroke: COLOURS.completed, 'stroke-width': 1.2 })), 'move, phase'),
  key(arrow('failed', '5 3'), 'failed'),
  key(arrow('refused', '2 3'), 'refused'),
  key(h('path', { d: 'M8,2.5 L18,2.5 L13,11.5 z', fill: COLOURS.faultFill, stroke: COLOURS.fault }), 'fault'),
  key(h('path', { d: 'M13,2 L18,7 L13,12 L8,7 z', fill: COLOURS.faultFill, stroke: COLOURS.fault }), 'link fault'),
  key(fragment(h('line', { x1: 1, y1: 7, x2: 25, y2: 7, stroke: '#9ca3af' }), h('circle', { cx: 13, cy: 7, r: 4, fill: COLOURS.cut, stroke: '#fff' })), 'link change'),
];

/** The legend of a timeline showing `tasks`, each in `colourOf(task)`: one list of tasks, one of keys. */
export function legend(tasks: readonly string[], colourOf: (task: string) => string): Markup {
  return fragment(
    h('ul', { class: 'legend tasks', 'aria-label': 'tasks' }, tasks.map((t) => key(bar({ fill: colourOf(t) }), t, 'task'))),
    h('ul', { class: 'legend keys', 'aria-label': 'what the timeline shows' }, KEYS),
  );
}

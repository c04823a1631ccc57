/**
 * The style sheet of the HTML report: a neutral page with cards, verdict
 * badges, data tables, and the timeline's SVG classes. System fonts only (the
 * page loads nothing); `.js` is set by the page's script, which then shows one
 * run of a campaign at a time; printed, every run shows.
 */

/** The report page's CSS, inlined into its `<style>`. */
export const REPORT_CSS = `
:root {
  --font: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
  --text: #1f2937; --muted: #6b7280; --border: #e5e7eb; --page: #f3f4f6; --card: #ffffff;
  --passed: #166534; --passed-bg: #dcfce7; --failed: #b91c1c; --failed-bg: #fee2e2; --error: #92400e; --error-bg: #fef3c7;
  color-scheme: light;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 var(--font); color: var(--text); background: var(--page); }
main { max-width: 1200px; margin: 0 auto; padding: 20px 16px 40px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 18px 22px; margin-bottom: 16px; box-shadow: 0 1px 2px rgba(15, 23, 42, 0.04); }
h1 { font-size: 22px; line-height: 1.25; margin: 0; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0; overflow-wrap: anywhere; }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 22px 0 8px; }
.run > h3:first-child { margin-top: 2px; }
.eyebrow { font-size: 12px; text-transform: uppercase; letter-spacing: 0.08em; color: var(--muted); margin: 0 0 4px; }
.title-row { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.facts { display: flex; flex-wrap: wrap; gap: 10px 32px; margin: 14px 0 0; }
.facts div { min-width: 0; }
.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; white-space: nowrap; }
.badge.large { font-size: 14px; padding: 3px 14px; }
.badge.passed, .ok { background: var(--passed-bg); color: var(--passed); }
.badge.failed { background: var(--failed-bg); color: var(--failed); }
.badge.error { background: var(--error-bg); color: var(--error); }
.count-passed { color: var(--passed); font-weight: 600; }
.count-failed { color: var(--failed); font-weight: 600; }
.count-error { color: var(--error); font-weight: 600; }
.problem { margin: 12px 0 0; padding: 10px 14px; border-radius: 8px; background: var(--failed-bg); color: var(--failed); overflow-wrap: anywhere; }
table.data { width: 100%; border-collapse: collapse; font-size: 13px; }
table.data th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); font-weight: 600; padding: 6px 10px; border-bottom: 1px solid var(--border); }
table.data td { padding: 7px 10px; border-bottom: 1px solid #f1f5f9; vertical-align: top; overflow-wrap: break-word; }
table.data tr:last-child td { border-bottom: none; }
table.data td.nowrap { white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.data tr.failed td, table.data tr.error td { background: #fffafa; }
.runs tbody tr { cursor: pointer; }
.runs tbody tr:hover td { background: #f8fafc; }
.runs tbody tr.selected td { background: #eff6ff; }
.runs a { color: #1d4ed8; text-decoration: none; font-weight: 600; }
.runs a:hover { text-decoration: underline; }
.param { display: inline-block; margin: 0 6px 2px 0; padding: 0 6px; border-radius: 4px; background: #f1f5f9; font: 12px/1.6 var(--mono); }
.hint { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.mono, code { font-family: var(--mono); font-size: 12px; }
.muted { color: var(--muted); }
.step-error { color: var(--failed); }
.js section.run:not(.selected) { display: none; }
@media print { .js section.run:not(.selected) { display: block; } .runs tbody tr { cursor: auto; } }
svg.defs { position: absolute; width: 0; height: 0; overflow: hidden; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted); margin: 0 0 6px; padding: 0; list-style: none; }
.legend.keys { margin-bottom: 10px; }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.legend li.task { color: var(--text); font-weight: 600; }
.legend svg { flex: none; }
.timeline-wrap { border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
svg.timeline { display: block; width: 100%; height: auto; }
.timeline text { font-family: var(--font); font-size: 11px; fill: var(--text); }
.timeline .lane-bg { fill: #ffffff; }
.timeline .lane-bg.odd { fill: #f8fafc; }
.timeline .lane-bg.archive { fill: #f5f3ff; }
.timeline .lane-name { font-size: 12px; font-weight: 700; }
.timeline .task-name { font-size: 10.5px; fill: var(--muted); }
.timeline .grid line { stroke: #e5e7eb; stroke-width: 1; }
.timeline .grid .run-end { stroke: #94a3b8; stroke-dasharray: 3 3; }
.timeline .axis-line, .timeline .tick line { stroke: #9ca3af; stroke-width: 1; }
.timeline .tick-label { fill: var(--muted); font-size: 10.5px; font-variant-numeric: tabular-nums; }
.timeline .tick-label.end { fill: var(--text); font-weight: 600; }
.timeline .label { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.timeline .move-label.completed { fill: #334155; }
.timeline .move-label.failed { fill: #b91c1c; font-weight: 600; }
.timeline .move-label.refused { fill: #475569; }
.timeline .fault-label { fill: #92400e; font-weight: 600; }
.timeline .fault-line { stroke: #b45309; stroke-width: 1; stroke-dasharray: 2 2; }
.timeline .link-stem { stroke: #cbd5e1; stroke-width: 1; }
.timeline .link-label.cut { fill: #b91c1c; }
.timeline .link-label.heal { fill: #15803d; }
.timeline .link-label.set { fill: #1d4ed8; }
.timeline .bar-note { font-size: 9.5px; font-weight: 700; }
.timeline .bar-note.lost { fill: #b91c1c; }
.timeline .bar-note.parked { fill: #334155; }
.timeline .move-hit { stroke: transparent; stroke-width: 9; }
.timeline .move:hover line:not(.move-hit) { stroke-width: 2.6; }
.timeline .residence:hover rect { stroke: #0f172a; stroke-width: 1; }
.timeline .empty { fill: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 8px; }
`;

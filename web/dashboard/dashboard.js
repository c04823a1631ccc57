// The migvisor dashboard's page script (README, "Dashboard"). It follows the
// server's `state` events (GET /events) and renders them in place: node cards
// keep their elements (and an operator's choice of target) from one state to the
// next. Actions are POSTs of JSON with the page's token; their outcome, and any
// failure, shows in #messages. No library, no build step.
'use strict';

const TOKEN = document.querySelector('meta[name="migvisor-token"]').content;
const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2b6cb0', '#2f855a', '#b7791f', '#6b46c1', '#c05621', '#2c7a7b', '#b83280', '#4a5568'];
const colourOf = (name) => {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
};

let latest = null;
const cards = new Map();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function setText(e, text) {
  const t = String(text);
  if (e.textContent !== t) e.textContent = t;
}
function setClass(e, cls) {
  if (e.className !== cls) e.className = cls;
}
function bytes(n) {
  if (n >= 1048576) return `${(n / 1048576).toFixed(n % 1048576 ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;
  return `${n} B`;
}
function clockOf(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

// --- messages ---------------------------------------------------------------

function say(kind, text) {
  const box = document.getElementById('messages');
  const m = el('div', `message ${kind}`);
  m.append(el('span', '', text));
  const close = el('button', '', 'dismiss');
  close.type = 'button';
  close.addEventListener('click', () => m.remove());
  m.append(close);
  box.prepend(m);
  while (box.children.length > 6) box.lastElementChild.remove();
  if (kind === 'done') setTimeout(() => m.remove(), 8000);
}

async function post(path, body, what) {
  let reply;
  try {
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Migvisor-Token': TOKEN }, body: JSON.stringify(body) });
    reply = await res.json().catch(() => ({ error: `the dashboard answered ${res.status} ${res.statusText}` }));
  } catch (e) {
    reply = { error: `the dashboard cannot be reached (${e.message})` };
  }
  if (reply.ok) say('done', reply.message);
  else say('error', `${what} failed: ${reply.error}${reply.status ? ` (${reply.status})` : ''}`);
  return reply;
}

// --- node cards -------------------------------------------------------------

function newCard(name) {
  const root = el('article', 'node');
  root.dataset.node = name;
  const head = el('div', 'node-head');
  const title = el('h3', '', name);
  const status = el('span', 'badge');
  const address = el('span', 'address');
  head.append(title, status, address);
  const why = el('div', 'why');
  const cpu = el('div', 'facts cpu');
  const memText = el('div', 'facts memory');
  const meter = el('div', 'meter');
  const meterFill = el('div');
  meter.append(meterFill);
  const planText = el('div', 'facts plan');
  const frame = el('div', 'frame');
  const partitions = el('div', 'partitions');
  const table = el('table', 'slots');
  table.innerHTML = '<thead><tr><th>slot</th><th>task</th><th>MigThread · run</th><th>travelers</th><th>instructions</th></tr></thead>';
  const body = el('tbody');
  table.append(body);
  root.append(head, why, cpu, memText, meter, planText, frame, partitions, table);
  document.getElementById('nodes').append(root);
  return { root, status, address, why, cpu, memText, meterFill, planText, frame, frameKey: '', partitions, partitionsKey: '', body, rows: new Map() };
}

function newRow(card, slot) {
  const tr = el('tr', 'slot');
  tr.dataset.slot = slot;
  const cells = {};
  for (const k of ['slot', 'task', 'state', 'travelers', 'instructions']) {
    cells[k] = el('td', k === 'instructions' ? 'num' : '');
    tr.append(cells[k]);
  }
  cells.state.append(el('span', 'badge'), ' ', el('span', 'badge'));
  // The task's actions, on a row of their own under it (shown while the slot holds a task).
  const ops = el('tr', 'ops');
  const actions = el('td', 'actions');
  actions.colSpan = 5;
  const pause = el('button', 'pause', 'pause');
  const resume = el('button', 'resume', 'resume');
  const target = el('select', 'target');
  target.title = 'the node to migrate to';
  const mode = el('select', 'mode');
  mode.title = 'how it moves: stop-and-copy (full), pre-copy or post-copy (lazy)';
  for (const m of ['full', 'precopy', 'lazy']) mode.append(new Option(m, m));
  const migrate = el('button', 'migrate', 'migrate');
  for (const b of [pause, resume, migrate]) b.type = 'button';
  actions.append(pause, ' ', resume, ' · migrate to ', target, ' ', mode, ' ', migrate);
  ops.append(actions);
  const row = { tr, ops, cells, pause, resume, target, mode, migrate, task: '', busy: false };
  pause.addEventListener('click', () => act(row, 'pause', card));
  resume.addEventListener('click', () => act(row, 'resume', card));
  migrate.addEventListener('click', () => act(row, 'migrate', card));
  card.body.append(tr, ops);
  return row;
}

async function act(row, verb, card) {
  const node = card.root.dataset.node;
  const task = row.task;
  if (!task) return;
  row.busy = true;
  updateButtons(row, latestSlot(node, row.tr.dataset.slot));
  try {
    if (verb === 'migrate') await post('/api/migrate', { task, from: node, to: row.target.value, mode: row.mode.value }, `migrate ${task} from ${node} to ${row.target.value}`);
    else await post(`/api/${verb}`, { task, node }, `${verb} ${task} on ${node}`);
  } finally {
    row.busy = false;
    updateButtons(row, latestSlot(node, row.tr.dataset.slot));
  }
}

function latestSlot(node, slot) {
  const n = latest && latest.nodes.find((x) => x.name === node);
  return n && n.slots.find((s) => s.slot === slot);
}

function updateButtons(row, s) {
  const holds = Boolean(s && s.taskId && s.state === 'MIG_SOURCE');
  row.pause.disabled = row.busy || !holds || s.run !== 'RUNNING';
  row.resume.disabled = row.busy || !holds || s.run !== 'PAUSED';
  row.migrate.disabled = row.busy || !holds || !row.target.value;
  row.target.disabled = row.busy || !holds;
  row.mode.disabled = row.busy || !holds;
}

function renderNode(n, others) {
  let card = cards.get(n.name);
  if (!card) cards.set(n.name, (card = newCard(n.name)));
  setClass(card.root, n.reachable ? 'node' : 'node down');
  setText(card.status, n.reachable ? `tick ${n.tick}` : 'unreachable');
  setClass(card.status, n.reachable ? 'badge on' : 'badge off');
  setText(card.address, n.address);
  setText(card.why, n.reachable ? '' : n.error || 'not asked yet');
  const c = n.cpu;
  setText(card.cpu, c ? `CPU ${c.word}-bit ${c.endian}-endian, ${c.instructionsPerTick ? `${c.instructionsPerTick} instructions/tick, ` : ''}tick ${c.tickUs} µs · ${n.instructionsPerSecond.toLocaleString()} instructions/s` : 'CPU: …');
  const total = n.memory.total;
  setText(card.memText, `memory ${bytes(n.memory.used)} of tasks${total ? ` / ${bytes(total)}` : ''}`);
  card.meterFill.style.width = total ? `${Math.min(100, (100 * n.memory.used) / total).toFixed(1)}%` : '0%';
  renderSchedule(card, n.schedule);
  renderPartitions(card, n.partitions);
  const seen = new Set();
  for (const s of n.slots) {
    seen.add(s.slot);
    let row = card.rows.get(s.slot);
    if (!row) card.rows.set(s.slot, (row = newRow(card, s.slot)));
    row.task = s.taskId;
    row.tr.dataset.task = s.taskId;
    row.ops.dataset.task = s.taskId;
    row.ops.hidden = !(s.taskId && s.state === 'MIG_SOURCE');
    setText(row.cells.slot, s.slot);
    setText(row.cells.task, s.taskId ? `${s.taskId} (${s.program})` : '—');
    const st = row.cells.state.firstChild;
    setText(st, s.state);
    setClass(st, `badge ${s.state}`);
    const rn = row.cells.state.lastChild;
    setText(rn, s.run + (s.migration ? ` ↔ ${s.migration.peer}` : ''));
    setClass(rn, `badge ${s.run}`);
    setText(row.cells.travelers, s.travelers.map((t) => `${t.id}:${t.status.toLowerCase()}`).join(' ') || '—');
    setText(row.cells.instructions, s.instructions.toLocaleString());
    const wanted = others.join(',');
    if (row.target.dataset.options !== wanted) {
      const keep = row.target.value;
      row.target.replaceChildren(...others.map((o) => new Option(o, o)));
      row.target.dataset.options = wanted;
      if (others.includes(keep)) row.target.value = keep;
    }
    updateButtons(row, s);
  }
  for (const [slot, row] of card.rows) {
    if (!seen.has(slot)) {
      row.tr.remove();
      row.ops.remove();
      card.rows.delete(slot);
    }
  }
}

function renderSchedule(card, schedule) {
  const plan = schedule && schedule.plans.find((p) => p.name === schedule.current);
  const key = JSON.stringify([schedule && schedule.current, schedule && schedule.next, plan]);
  if (key === card.frameKey) return;
  card.frameKey = key;
  if (!plan) {
    setText(card.planText, 'schedule: …');
    card.frame.replaceChildren();
    return;
  }
  setText(card.planText, `schedule plan ${plan.name}${schedule.plans.length > 1 ? ` of ${schedule.plans.map((p) => p.name).join(', ')}` : ''}${schedule.next ? `, switching to ${schedule.next}` : ''}: major frame ${plan.majorFrame} ticks`);
  const parts = [];
  let at = 0;
  const windows = [...plan.windows].sort((a, b) => a.start - b.start);
  const piece = (cls, label, from, ticks, colour) => {
    const d = el('div', cls, label);
    d.style.flexGrow = String(ticks);
    d.style.flexBasis = '0';
    if (colour) d.style.background = colour;
    d.title = `${label} ticks ${from}..${from + ticks - 1}`;
    parts.push(d);
  };
  for (const w of windows) {
    if (w.start > at) piece('idle', 'idle', at, w.start - at);
    piece('window', w.partition, w.start, w.duration, colourOf(w.partition));
    at = Math.max(at, w.start + w.duration);
  }
  if (at < plan.majorFrame) piece('idle', 'idle', at, plan.majorFrame - at);
  card.frame.replaceChildren(...parts);
}

function renderPartitions(card, partitions) {
  const key = JSON.stringify(partitions);
  if (key === card.partitionsKey) return;
  card.partitionsKey = key;
  card.partitions.replaceChildren(
    ...partitions.map((p) => {
      const b = el('span', `badge ${p.mode}`, `${p.name}: ${p.mode}`);
      b.dataset.partition = p.name;
      b.title = `start condition ${p.startCondition}, ${p.modeChanges} mode change(s)`;
      return b;
    }),
  );
}

// --- migrations, lists, timeline ---------------------------------------------

function renderMigrations(ms) {
  const body = document.querySelector('#migrations tbody');
  document.getElementById('no-migrations').hidden = ms.length > 0;
  const rows = [...ms].reverse().map((m) => {
    const tr = el('tr');
    tr.dataset.task = m.task;
    tr.dataset.state = m.endedAt === undefined ? 'in-flight' : m.outcome;
    const progress = el('td');
    if (m.origin === 'page') {
      const p = el('progress', 'progress');
      p.max = Math.max(1, m.pagesTotal);
      p.value = m.endedAt !== undefined && m.outcome === 'completed' ? p.max : m.pagesSent;
      progress.append(p, ` ${m.pagesSent}/${m.pagesTotal} pages, ${bytes(m.bytesSent)}`);
    } else progress.textContent = 'seen in the nodes\' events';
    const outcome = el('td', '', m.endedAt === undefined ? 'in flight' : `${m.outcome}${m.error ? `: ${m.error}` : ''} (${((m.endedAt - m.startedAt) / 1000).toFixed(2)} s)`);
    tr.append(el('td', '', m.task), el('td', '', m.from), el('td', '', m.to || '?'), el('td', '', m.mode || '—'), el('td', '', m.phase), progress, outcome);
    return tr;
  });
  body.replaceChildren(...rows);
}

function renderList(id, lines) {
  const list = document.getElementById(id);
  const last = lines.length ? String(lines[lines.length - 1].seq) : '';
  if (list.dataset.last === last) return;
  list.dataset.last = last;
  list.replaceChildren(
    ...lines
      .slice(-60)
      .reverse()
      .map((l) => {
        const li = el('li');
        li.append(el('span', 'who', `${clockOf(l.at)} ${l.node}${l.kind !== 'console' && l.kind !== 'hm' ? ` ${l.kind}` : ''}: `), l.text);
        return li;
      }),
  );
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderTimeline(state) {
  const box = document.getElementById('timeline');
  const width = Math.max(600, box.clientWidth || 1100);
  const left = 90;
  const right = 12;
  const row = 14;
  const from = state.now - state.windowMs;
  const x = (t) => left + ((Math.max(t, from) - from) / state.windowMs) * (width - left - right);
  const tasks = [...new Set(state.timeline.residences.map((r) => r.task))].sort();
  const laneHeight = Math.max(1, tasks.length) * row + 8;
  const lanes = new Map(state.nodes.map((n, i) => [n.name, 4 + i * (laneHeight + 4)]));
  const rowY = (node, task) => (lanes.get(node) ?? 0) + 4 + Math.max(0, tasks.indexOf(task)) * row;
  const height = 4 + state.nodes.length * (laneHeight + 4) + 18;
  const parts = [];
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#c53030' }));
  defs.append(marker);
  parts.push(defs);
  for (const [node, y] of lanes) {
    parts.push(svg('rect', { class: 'lane', x: left, y, width: width - left - right, height: laneHeight }));
    parts.push(svg('text', { x: 4, y: y + laneHeight / 2 + 4 }, node));
  }
  const step = state.windowMs > 120_000 ? 60_000 : state.windowMs > 40_000 ? 15_000 : 5_000;
  for (let t = Math.ceil(from / step) * step; t <= state.now; t += step) {
    parts.push(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: 2, y2: height - 16 }));
    parts.push(svg('text', { x: x(t) - 20, y: height - 4 }, clockOf(t)));
  }
  for (const r of state.timeline.residences) {
    if (r.to < from || !lanes.has(r.node)) continue;
    const rect = svg('rect', {
      x: x(r.from),
      y: rowY(r.node, r.task),
      width: Math.max(2, x(r.to) - x(r.from)),
      height: row - 3,
      fill: colourOf(r.task),
      'fill-opacity': r.run === 'RUNNING' ? 0.9 : 0.35,
      'data-task': r.task,
      'data-node': r.node,
    });
    rect.append(svg('title', {}, `${r.task} on ${r.node}, ${r.run.toLowerCase()}, ${clockOf(r.from)}–${clockOf(r.to)}`));
    parts.push(rect);
  }
  for (const m of state.timeline.moves) {
    if (m.arrived < from || !lanes.has(m.from) || !lanes.has(m.to)) continue;
    const line = svg('line', { class: 'move', x1: x(m.left), y1: rowY(m.from, m.task) + row / 2, x2: x(m.arrived), y2: rowY(m.to, m.task) + row / 2, 'marker-end': 'url(#arrow)', 'data-task': m.task });
    line.append(svg('title', {}, `${m.task}: ${m.from} → ${m.to} at ${clockOf(m.arrived)}`));
    parts.push(line);
  }
  box.setAttribute('height', String(height));
  box.setAttribute('viewBox', `0 0 ${width} ${height}`);
  box.replaceChildren(...parts);
  setText(document.getElementById('window'), `(last ${Math.round(state.windowMs / 1000)} s)`);
}

function render(state) {
  latest = state;
  setText(document.getElementById('clock'), clockOf(state.now));
  const names = state.nodes.map((n) => n.name);
  for (const n of state.nodes) renderNode(n, names.filter((o) => o !== n.name));
  renderMigrations(state.migrations);
  renderList('hm', state.hm);
  renderList('console', state.console);
  renderList('events', state.events);
  renderTimeline(state);
}

// --- the stream -------------------------------------------------------------

function connect() {
  const badge = document.getElementById('connection');
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    setText(badge, 'live');
    setClass(badge, 'badge on');
  });
  source.addEventListener('state', (e) => render(JSON.parse(e.data)));
  source.addEventListener('error', () => {
    setText(badge, 'reconnecting…');
    setClass(badge, 'badge off');
  });
}

connect();

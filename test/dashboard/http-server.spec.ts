/**
 * The dashboard's HTTP edge (src/dashboard/http-server.ts) without a cluster:
 * its nodes are at an address nobody serves, so the page says why each cannot
 * be reached, and every malformed or refused action gets one clear message.
 */
import { expect } from 'chai';
import { startDashboard, type DashboardState, type RunningDashboard } from '../../src/dashboard/index.ts';
import { poll } from '../support/processes.ts';

describe('the dashboard\'s HTTP server', () => {
  let d: RunningDashboard;
  let token: string;
  const post = (path: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Migvisor-Token': token }) =>
    fetch(`${d.url}${path}`, { method: 'POST', headers, body });

  before(async () => {
    // Port 1 on loopback: nothing listens there.
    d = await startDashboard({ nodes: [{ name: 'gone', address: '127.0.0.1:1' }, { name: 'also-gone', address: '127.0.0.1:1' }], listen: '127.0.0.1:0', pollMs: 100 });
    const page = await (await fetch(d.url)).text();
    token = /name="migvisor-token" content="([^"]+)"/.exec(page)![1]!;
  });
  after(() => d?.close());

  it('serves the page with its token, its script and its style', async () => {
    expect(token).to.match(/^[\w-]{32}$/);
    for (const [path, type] of [['dashboard.js', 'text/javascript'], ['dashboard.css', 'text/css']] as const) {
      const r = await fetch(`${d.url}${path}`);
      expect([r.status, r.headers.get('content-type')]).to.deep.equal([200, `${type}; charset=utf-8`]);
    }
    expect((await fetch(`${d.url}nothing`)).status).to.equal(404);
  });

  it('says why a node cannot be reached', async () => {
    const state = await poll('the nodes to be marked unreachable', async () => {
      const s = (await (await fetch(`${d.url}api/state`)).json()) as DashboardState;
      return s.nodes.every((n) => n.error) ? s : undefined;
    });
    expect(state.nodes[0]!.reachable).to.equal(false);
    expect(state.nodes[0]!.error).to.match(/^info on gone: /);
  });

  it('streams the state as server-sent events', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${d.url}events`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n', text.indexOf('event: state'))) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    const data = /event: state\ndata: (.*)\n/.exec(text)![1]!;
    expect((JSON.parse(data) as DashboardState).nodes.map((n) => n.name)).to.deep.equal(['gone', 'also-gone']);
  });

  it('refuses malformed actions with a 4xx naming the problem', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [post('api/pause', '{"task": "t", "node": "gone"}', { 'Content-Type': 'application/json' }), 403, "an action must carry this dashboard's token (reload the page)"],
      [post('api/pause', 'task=t', { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Migvisor-Token': token }), 415, 'an action must be sent as application/json'],
      [post('api/pause', '{not json'), 400, 'the request body is not JSON'],
      [post('api/migrate', JSON.stringify({ task: 't', from: 'gone', to: 'also-gone', mode: 'warp' })), 400, 'mode must be one of full, precopy, lazy, got "warp"'],
      [post('api/pause', JSON.stringify({ node: 'gone' })), 400, 'task must be a task id'],
      [post('api/pause', 'x'.repeat(20_000)), 413, "an action's body is at most 16384 bytes"],
      [fetch(`${d.url}api/pause`), 405, '/api/pause takes POST'],
    ];
    for (const [reply, status, error] of cases) {
      const r = await reply;
      expect([r.status, ((await r.json()) as { error: string }).error]).to.deep.equal([status, error]);
    }
  });

  it('answers an action the cluster could not carry out with ok: false, its status and why', async () => {
    const unknown = (await (await post('api/pause', JSON.stringify({ task: 't', node: 'elsewhere' }))).json()) as Record<string, unknown>;
    expect(unknown).to.deep.equal({ ok: false, status: 'NOT_FOUND', error: 'no node "elsewhere" on this dashboard (it watches gone, also-gone)' });
    const down = (await (await post('api/resume', JSON.stringify({ task: 't', node: 'gone' }))).json()) as Record<string, unknown>;
    expect([down.ok, down.status]).to.deep.equal([false, 'UNAVAILABLE']);
    expect(down.error).to.match(/^resume t on gone: /);
  });
});

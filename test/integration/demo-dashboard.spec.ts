/**
 * `npm start` (migvisor demo) prints the dashboard's address first, and the
 * dashboard there shows the demo's three nodes while it runs (README, "Dashboard").
 */
import { expect } from 'chai';
import { cleanup, poll, spawnCli } from '../support/processes.ts';

describe('the demo and its dashboard', function () {
  this.timeout(90_000);
  after(cleanup);

  it('prints the dashboard address, which serves the demo\'s nodes while it runs', async () => {
    const demo = spawnCli(['demo'], { timeoutMs: 80_000 });
    const line = await demo.waitForLine((l) => /^\s*dashboard http:\/\//.test(l), 30_000);
    const url = /(http:\/\/\S+)/.exec(line)![1]!;
    const state = await poll('the dashboard to see the demo\'s nodes', async () => {
      const s = (await (await fetch(`${url}api/state`)).json()) as { nodes: { name: string; reachable: boolean }[] };
      return s.nodes.length === 3 && s.nodes.every((n) => n.reachable) ? s : undefined;
    });
    expect(state.nodes.map((n) => n.name)).to.deep.equal(['field-a', 'field-b', 'field-c']);
    // The rest of the demo is not this spec's business: its nodes exit with it (--exit-with-parent).
    demo.child.kill('SIGTERM');
    await demo.result;
  });
});

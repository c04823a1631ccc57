/**
 * `npm start` (migvisor demo), the README's front door: it runs to the end and
 * does what the README says (every move completed, the counter on at N+1 with
 * no gap or repeat, the refusal, save and load, park and re-park, every process
 * stopped); and it prints the dashboard's address first, and the dashboard there
 * shows the demo's three nodes while it runs (README, "Dashboard").
 */
import { expect } from 'chai';
import { cleanup, poll, runCli, spawnCli } from '../support/processes.ts';

describe('the demo and its dashboard', function () {
  this.timeout(90_000);
  after(cleanup);

  it('runs to the end as the README tells: four moves, the counter on without a gap, refusal, save and load, park and re-park', async () => {
    const r = await runCli(['demo'], { timeoutMs: 80_000 });
    expect(r.code, r.stderr).to.equal(0);
    const out = r.stdout;
    // The statistics table: one row a move, each completed, in the README's order of modes.
    const rows = out.split('\n').filter((l) => /^│ field-[ab] -> field-[ab] /.test(l));
    expect(rows.map((l) => l.split('│').map((c) => c.trim()).slice(1, 4))).to.deep.equal([
      ['field-a -> field-b', 'full', 'completed'],
      ['field-b -> field-a', 'precopy', 'completed'],
      ['field-a -> field-b', 'lazy', 'completed'],
      ['field-b -> field-a', 'full', 'completed'],
    ]);
    expect(out).to.match(/│ field-a -> field-c +│ refused: word size differs: field-a is 32-bit, field-c is 64-bit/);
    expect(out).to.match(/│ save field-a, load field-b +│ \d+ bytes in counter-\S+\.mvc/);
    expect(out, 're-park stores only the changed page').to.match(/re-park: 4096 new, 4096 shared/);
    // The counter as the demo printed it across every move, save, load, park and restore: N+1 each line.
    const counts = [...out.matchAll(/: counter (\d+)$/gm)].map((m) => Number(m[1]));
    expect(counts.length, 'counter lines').to.be.greaterThan(50);
    const breaks = counts.flatMap((n, i) => (i > 0 && n !== counts[i - 1]! + 1 ? [`${counts[i - 1]} -> ${n}`] : []));
    expect(breaks, 'gaps or repeats').to.deep.equal([]);
    expect(out.trimEnd().split('\n').slice(-2)).to.deep.equal(['== Stopping every node process', '   done']);
  });

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

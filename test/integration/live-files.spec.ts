/**
 * File handles do not travel (issue 4, point 4): a migration closes the task's
 * open provider handles, and the traveler's next use of one returns E_CLOSED
 * ("closed by migration"). config/programs/logger.s keeps logs/logger.txt open and
 * appends "entry N" every 10 ticks; on E_CLOSED it says so, re-opens the file on
 * the node it now runs on and goes on. Each node's `logs` provider folder then
 * holds exactly the entries written there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { cleanup, consecutive, example, poll, type EventLog, type NodeProcess } from '../support/processes.ts';
import {
  ConsoleHistory,
  departures,
  expectCompleted,
  freshLogsDir,
  migrateCli,
  openLog,
  pause,
  startLiveNodes,
  startProgram,
  type Mode,
} from '../support/live-harness.ts';

const CLOSED = 'logger: handle closed by migration, re-opening';

/** The entry numbers of console lines or file lines "entry N". */
function entries(lines: readonly string[]): number[] {
  return lines.filter((l) => l.startsWith('entry ')).map((l) => Number(l.slice(6)));
}

describe('File handles and migration', function () {
  let nodes: Record<string, NodeProcess>;
  const dirs: Record<string, string> = {};
  const logs: Record<string, EventLog> = {};

  before(async function () {
    this.timeout(30_000);
    dirs['live-a'] = freshLogsDir('live-a');
    dirs['live-b'] = freshLogsDir('live-b');
    nodes = await startLiveNodes(['live-a', 'live-b']);
    [logs['live-a'], logs['live-b']] = await Promise.all([openLog(nodes['live-a']!.address), openLog(nodes['live-b']!.address)]);
  });

  after(cleanup);

  it('the logger re-opens its file once after each move and goes on; each node holds the entries written there; closed_handles is 1', async () => {
    const A = nodes['live-a']!.address;
    const logger = await startProgram(A, 'ctrl', example('logger.s'));
    await logs['live-a']!.waitForNumber(logger, 'entry ', 3, 5000);
    const history = new ConsoleHistory(logger);

    const moves: [string, string, Mode][] = [
      ['live-a', 'live-b', 'full'],
      ['live-b', 'live-a', 'precopy'],
      ['live-a', 'live-b', 'lazy'],
    ];
    for (const [from, to, mode] of moves) {
      const left = departures(logs[from]!, logger);
      const stats = await migrateCli(logger, from, to, mode);
      expectCompleted(stats, `${mode} move ${from} → ${to}`);
      expect(Number(stats.closedHandles), `${mode}: closed_handles`).to.equal(1);
      await history.takeAfterMove(logs[from]!, left, from);
      // The logger writes again on the sink: E_CLOSED, re-open, go on.
      const last = entries(history.lines).at(-1)!;
      await logs[to]!.waitForNumber(logger, 'entry ', last + 3, 5000);
    }
    // Freeze the logger, then let the console catch up with the file it wrote last.
    const B = nodes['live-b']!.address;
    await pause(B, logger);
    const file = (node: string): number[] => {
      const f = path.join(dirs[node]!, 'logger.txt');
      return fs.existsSync(f) ? entries(fs.readFileSync(f, 'utf8').split('\n')) : [];
    };
    const lastWritten = file('live-b').at(-1)!;
    await poll('the console to show the last entry written', () => entries(history.pending(logs['live-b']!)).at(-1) === lastWritten, 5000);
    history.take(logs['live-b']!, 'live-b');

    // The console: every entry once, in order; one "closed" line per move, first
    // on the node the logger arrived on (it was asleep when it stopped).
    expect(consecutive(entries(history.lines)), 'entry numbers on the console').to.equal(undefined);
    expect(entries(history.lines)[0]).to.equal(1);
    expect(history.lines.filter((l) => l !== CLOSED && !l.startsWith('entry ')), 'other console lines').to.deep.equal([]);
    expect(history.stretches.map((s) => s.node)).to.deep.equal(['live-a', 'live-b', 'live-a', 'live-b']);
    history.stretches.forEach((s, i) => {
      expect(s.lines.filter((l) => l === CLOSED), `"closed" lines in stretch ${i} (${s.node})`).to.have.length(i === 0 ? 0 : 1);
      if (i > 0) expect(s.lines[0], `first line on ${s.node} after move ${i}`).to.equal(CLOSED);
      expect(entries(s.lines).length, `entries in stretch ${i}`).to.be.greaterThan(0);
    });

    // The files: each node's holds exactly the entries written while the logger ran there.
    for (const node of ['live-a', 'live-b']) {
      const written = history.stretches.filter((s) => s.node === node).flatMap((s) => entries(s.lines));
      expect(file(node), `entries in ${node}'s logs/logger.txt`).to.deep.equal(written);
    }
  });
});

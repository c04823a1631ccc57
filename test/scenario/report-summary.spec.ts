/**
 * The terminal summary of a scenario report: a row per run with its verdict,
 * expectation counts, duration and first problem cut short, a closing line of
 * counts, and nothing from a name that could steer a terminal.
 */
import { expect } from 'chai';
import { summaryLine, summaryTable } from '../../src/scenario/index.ts';
import { hostileReport, reportOf, sampleCampaign, sampleReport, sampleRun } from '../support/sample-report.ts';

/** The table's body rows as trimmed cells (cli-table3 draws │ between cells). */
function rows(table: string): string[][] {
  return table
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => l.split('│').slice(1, -1).map((c) => c.trim()));
}

describe('the terminal summary of a report', () => {
  it('has a row per run of a campaign and closes with the counts', () => {
    const text = summaryTable(sampleCampaign());
    const [head, ...body] = rows(text);
    expect(head).to.deep.equal(['RUN', 'VERDICT', 'EXPECTATIONS', 'DURATION', 'FIRST PROBLEM']);
    expect(body).to.have.length(4);
    expect(body.map((r) => r.slice(0, 4))).to.deep.equal([
      ['mode=full fault=none', 'passed', '6 passed, 0 failed', '22.5s'],
      ['mode=precopy fault=none', 'passed', '6 passed, 0 failed', '22.5s'],
      ['mode=lazy fault=cut', 'failed', '5 passed, 1 failed', '22.5s'],
      ['mode=lazy fault=kill-sink', 'error', '0 passed, 0 failed, 6 errors', '1.8s'],
    ]);
    expect(body.map((r) => r[4])).to.deep.equal([
      '-',
      '-',
      'the lazy migration of c failed (UNAVAILABLE) and kept it st…',
      'cluster did not start: field-b exited with code 1 (port 500…',
    ]);
    expect(text.trimEnd().split('\n').at(-1)).to.equal('4 runs: 2 passed, 1 failed, 1 error');
  });

  it('says how one run ended, in the singular', () => {
    expect(summaryTable(sampleReport()).trimEnd().split('\n').at(-1)).to.equal('1 run: 0 passed, 1 failed');
    expect(summaryLine(reportOf('x', [sampleRun(), sampleRun(), sampleRun()]))).to.equal('3 runs: 0 passed, 3 failed');
  });

  it('prints no control character of a hostile name and keeps each row on one line', () => {
    const text = summaryTable(hostileReport());
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text)).to.equal(false);
    const body = rows(text).slice(1);
    expect(body).to.have.length(1);
    expect(body[0]![0]).to.equal('run end]]>&amp;"quoted"\'single\'');
  });
});

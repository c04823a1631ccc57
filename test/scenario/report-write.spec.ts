/**
 * Writing the reports: the JSON model, the page and the JUnit file where they
 * were asked for, folders created, nothing temporary left behind, and a clear
 * error naming the folder that cannot be made.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { MigvisorError } from '../../src/common/index.ts';
import { renderHtml, renderJUnit, writeReports } from '../../src/scenario/index.ts';
import { cleanup, tempDir } from '../support/processes.ts';
import { sampleCampaign, sampleReport } from '../support/sample-report.ts';

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('writing the reports', () => {
  after(cleanup);

  it('writes report.json, report.html and the JUnit file, creating their folders', () => {
    const root = tempDir('migvisor-report-write-');
    const report = sampleCampaign();
    const dir = path.join(root, 'out', 'nested');
    const junit = path.join(root, 'ci', 'junit', 'scenario.xml');
    const { files } = writeReports(report, { dir, junit });
    expect(files).to.deep.equal([path.join(dir, 'report.json'), path.join(dir, 'report.html'), junit]);
    expect(filesUnder(root)).to.deep.equal(['ci/junit/scenario.xml', 'out/nested/report.html', 'out/nested/report.json']);
    const json = fs.readFileSync(path.join(dir, 'report.json'), 'utf8');
    expect(JSON.parse(json)).to.deep.equal(JSON.parse(JSON.stringify(report)));
    expect(json).to.equal(`${JSON.stringify(report, null, 2)}\n`);
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).to.equal(renderHtml(report));
    expect(fs.readFileSync(junit, 'utf8')).to.equal(renderJUnit(report));
  });

  it('writes only what was asked for, and replaces an older report whole', () => {
    const root = tempDir('migvisor-report-write-');
    expect(writeReports(sampleReport(), {}).files).to.deep.equal([]);
    const junit = path.join(root, 'junit.xml');
    fs.writeFileSync(junit, 'old');
    expect(writeReports(sampleReport(), { junit }).files).to.deep.equal([junit]);
    expect(fs.readFileSync(junit, 'utf8')).to.equal(renderJUnit(sampleReport()));
    writeReports(sampleCampaign(), { dir: root });
    writeReports(sampleReport(), { dir: root });
    expect(filesUnder(root), 'no temporary file left').to.deep.equal(['junit.xml', 'report.html', 'report.json']);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'report.json'), 'utf8')).name).to.equal('move-park-restore');
  });

  it('names the folder it cannot create', () => {
    const root = tempDir('migvisor-report-write-');
    fs.writeFileSync(path.join(root, 'file'), '');
    const dir = path.join(root, 'file', 'reports');
    expect(() => writeReports(sampleReport(), { dir }))
      .to.throw(MigvisorError)
      .with.property('message', `cannot create the report folder ${dir}: a file is in the way`);
    const junit = path.join(root, 'file', 'junit.xml');
    expect(() => writeReports(sampleReport(), { junit })).to.throw(MigvisorError, `cannot create the JUnit report folder ${path.join(root, 'file')}: a file is in the way`);
  });

  it('leaves no temporary file when the target cannot be replaced', () => {
    const root = tempDir('migvisor-report-write-');
    fs.mkdirSync(path.join(root, 'report.html'));
    fs.writeFileSync(path.join(root, 'report.html', 'keep'), '');
    expect(() => writeReports(sampleReport(), { dir: root })).to.throw(MigvisorError, `cannot write the report ${path.join(root, 'report.html')}`);
    expect(filesUnder(root)).to.deep.equal(['report.html/keep', 'report.json']);
  });
});

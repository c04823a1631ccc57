/**
 * Writing a scenario's reports to disk: `DIR/report.json` (the model as it is),
 * `DIR/report.html`, and the JUnit file when one is asked for. Each file is
 * written whole to a temporary file beside it and renamed into place, so a
 * reader (a CI collecting the JUnit file, a browser reloading the page) sees the
 * old file or the new one, never half of one. A folder that cannot be made or a
 * file that cannot be written is a {@link MigvisorError} naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, fileProblem, makeDirsSync, MigvisorError } from '../common/index.ts';
import { renderHtml } from './report-html.ts';
import { renderJUnit } from './report-junit.ts';
import type { ScenarioReport } from './report-model.ts';

/** Where to write: `dir` for report.json and report.html, `junit` for the JUnit XML file. Either may be left out. */
export interface ReportTargets {
  readonly dir?: string;
  readonly junit?: string;
}

function makeDir(dir: string, what: string): void {
  try {
    makeDirsSync(dir);
  } catch (e: unknown) {
    throw new MigvisorError(`cannot create the ${what} folder ${dir}: ${fileProblem(e)}`, Code.FAILED_PRECONDITION, { cause: e });
  }
}

let serial = 0;

/** Writes `text` to `file` through a temporary file in the same folder and a rename; removes the temporary file if anything fails. */
function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++serial}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { encoding: 'utf8', flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e: unknown) {
    fs.rmSync(tmp, { force: true });
    throw new MigvisorError(`cannot write the report ${file}: ${fileProblem(e)}`, Code.FAILED_PRECONDITION, { cause: e });
  }
}

/**
 * Makes the folders the reports of `targets` go to, so that a path that cannot
 * hold them is refused before a campaign runs, not after it (writeReports makes
 * them again if they went away meanwhile).
 */
export function prepareReportTargets(targets: ReportTargets): void {
  if (targets.dir !== undefined) makeDir(targets.dir, 'report');
  if (targets.junit !== undefined) makeDir(path.dirname(targets.junit), 'JUnit report');
}

/**
 * Writes the reports of `report` that `targets` asks for, creating their
 * folders: `dir/report.json` (2-space JSON), `dir/report.html`, and `junit`.
 * Returns the files written, in that order.
 */
export function writeReports(report: ScenarioReport, targets: ReportTargets): { files: string[] } {
  const files: string[] = [];
  if (targets.dir !== undefined) {
    makeDir(targets.dir, 'report');
    const json = path.join(targets.dir, 'report.json');
    writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
    files.push(json);
    const html = path.join(targets.dir, 'report.html');
    writeAtomic(html, renderHtml(report));
    files.push(html);
  }
  if (targets.junit !== undefined) {
    makeDir(path.dirname(targets.junit), 'JUnit report');
    writeAtomic(targets.junit, renderJUnit(report));
    files.push(targets.junit);
  }
  return { files };
}

/** Scenarios: migration tests with steps, faults, expectations and reports (see docs/TESTING.md). */
export type {
  ExpectationResult,
  FaultRecord,
  LinkChange,
  MoveRecord,
  Residence,
  RunReport,
  ScenarioReport,
  StepRecord,
  Verdict,
} from './report-model.ts';
export { renderJUnit } from './report-junit.ts';
export { renderHtml } from './report-html.ts';
export { summaryLine, summaryTable } from './report-summary.ts';
export { writeReports } from './report-write.ts';
export type { ReportTargets } from './report-write.ts';

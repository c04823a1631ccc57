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
export { prepareReportTargets, writeReports } from './report-write.ts';
export type { ReportTargets } from './report-write.ts';
export { checkScenarioFile, loadScenario, parseScenarioText, SCENARIO_SCHEMA_FILE } from './load.ts';
export type { LoadOptions, ScenarioCheck } from './load.ts';
export type { Expectation, MoveKind, MoveSpec, RunPlan, Scenario, Step, TaskDef } from './model.ts';
export { runCampaign } from './campaign.ts';
export type { CampaignOptions } from './campaign.ts';
export { continuity, evaluate, runsOnce, transparent } from './expectations.ts';
export type { OrderedLine, Reference, RunFacts } from './expectations.ts';
export { referenceRun } from './reference.ts';

/**
 * The JUnit report, read back by a real XML parser (xmldom, fatal on any
 * error) and checked against XML 1.0's Char production, which no JavaScript
 * parser enforces: suites, cases, failures and errors in the numbers the report
 * holds, the reasons where Jenkins and GitLab show them, and hostile names
 * escaped so that they come back as they were (the characters XML cannot hold
 * as `\uXXXX`).
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { expect } from 'chai';
import { renderJUnit } from '../../src/scenario/index.ts';
import { HOSTILE, hostileReport, sampleCampaign, sampleReport } from '../support/sample-report.ts';

/** Parses `xml`, failing on every error and warning the parser reports. */
function parse(xml: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({ onError: (level, message) => void problems.push(`${level}: ${message}`) }).parseFromString(xml, 'text/xml');
  expect(problems, 'parser problems').to.deep.equal([]);
  return doc;
}

// XML 1.0, production [2]: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const NOT_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Every character of the document (a lone surrogate is no Char either), and every character it writes as a reference, is an XML 1.0 Char. */
function expectXmlChars(xml: string): void {
  expect(NOT_CHAR.exec(xml), 'a raw character outside Char').to.equal(null);
  for (const m of xml.matchAll(/&#(x[0-9a-fA-F]+|[0-9]+);/g)) {
    const code = m[1]!.startsWith('x') ? Number.parseInt(m[1]!.slice(1), 16) : Number(m[1]);
    expect(NOT_CHAR.test(String.fromCodePoint(code)), `reference ${m[0]}`).to.equal(false);
  }
  expect(/<!\[CDATA\[/.test(xml) || !/]]>/.test(xml), 'no ]]> in character data').to.equal(true);
}

const all = (node: Document | Element, tag: string): Element[] => Array.from(node.getElementsByTagName(tag));
const one = (node: Document | Element, tag: string): Element => {
  const found = all(node, tag);
  expect(found, tag).to.have.length(1);
  return found[0]!;
};

describe('the JUnit report', () => {
  it('is one well-formed testsuite per run, one testcase per expectation', () => {
    const report = sampleReport();
    const xml = renderJUnit(report);
    expectXmlChars(xml);
    const doc = parse(xml);
    const root = doc.documentElement!;
    expect(root.tagName).to.equal('testsuites');
    expect(root.getAttribute('name')).to.equal('move-park-restore');
    expect(root.getAttribute('tests')).to.equal('6');
    expect(root.getAttribute('failures')).to.equal('1');
    expect(root.getAttribute('errors')).to.equal('0');
    const suite = one(doc, 'testsuite');
    expect(suite.getAttribute('name')).to.equal('run');
    expect(suite.getAttribute('time')).to.equal('22.500');
    const cases = all(suite, 'testcase');
    expect(cases.map((c) => c.getAttribute('name'))).to.deep.equal(report.runs[0]!.expectations.map((e) => e.text));
    expect(new Set(cases.map((c) => c.getAttribute('classname')))).to.deep.equal(new Set(['move-park-restore.run']));
  });

  it('puts the reason of a failed expectation in its failure, typed by the kind', () => {
    const doc = parse(renderJUnit(sampleReport()));
    const failure = one(doc, 'failure');
    expect(failure.getAttribute('type')).to.equal('downtime_ms');
    expect(failure.getAttribute('message')).to.equal('the lazy migration of c failed (UNAVAILABLE) and kept it stopped for 2300 ms; expected at most 500 ms');
    expect(failure.textContent).to.contain('scenarios/move-park-restore.yaml:30: expect downtime_ms (task c)');
    expect((failure.parentNode as Element).getAttribute('name')).to.equal('c: downtime_ms <= 500 (lazy)');
    expect(all(doc, 'error')).to.have.length(0);
  });

  it('lists the steps with their times in system-out, and the seed as a property', () => {
    const doc = parse(renderJUnit(sampleReport()));
    const out = one(doc, 'system-out').textContent ?? '';
    expect(out).to.contain('run run, seed 42, 22.500 s');
    expect(out).to.match(/^ +2\.000 s – +3\.400 s +ok +line 14 +migrate c to field-b \(precopy\)$/m);
    expect(out).to.match(/^ +7\.000 s – +9\.500 s +ERROR +line 17 +migrate c to field-a \(lazy\): UNAVAILABLE: sink field-a did not answer/m);
    expect(out.trim().split('\n')).to.have.length(2 + 9);
    const props = Object.fromEntries(all(doc, 'property').map((p) => [p.getAttribute('name'), p.getAttribute('value')]));
    expect(props).to.deep.equal({ file: 'scenarios/move-park-restore.yaml', seed: '42' });
  });

  it('counts a campaign per run: failures, errors, and an error testcase for a run that did not start', () => {
    const report = sampleCampaign();
    const doc = parse(renderJUnit(report));
    const suites = all(doc, 'testsuite');
    expect(suites.map((s) => s.getAttribute('name'))).to.deep.equal(report.runs.map((r) => r.name));
    expect(suites.map((s) => [s.getAttribute('tests'), s.getAttribute('failures'), s.getAttribute('errors')])).to.deep.equal([
      ['6', '0', '0'],
      ['6', '0', '0'],
      ['6', '1', '0'],
      ['6', '0', '6'],
    ]);
    expect(doc.documentElement!.getAttribute('tests')).to.equal('24');
    expect(doc.documentElement!.getAttribute('errors')).to.equal('6');
    const errors = all(suites[3]!, 'error');
    expect(errors[0]!.getAttribute('message')).to.equal('not judged: the run did not start');
    expect(one(suites[3]!, 'system-out').textContent).to.contain('error: cluster did not start: field-b exited with code 1');
    const props = Object.fromEntries(all(suites[2]!, 'property').map((p) => [p.getAttribute('name'), p.getAttribute('value')]));
    expect(props).to.include({ 'param.mode': 'lazy', 'param.fault': 'cut', seed: '103' });
  });

  it('adds a (run) testcase for a run error no expectation carries', () => {
    const base = sampleReport();
    const run = { ...base.runs[0]!, verdict: 'error' as const, error: 'step 3 broke: field-b vanished', expectations: [] };
    const doc = parse(renderJUnit({ ...base, runs: [run] }));
    const testcase = one(doc, 'testcase');
    expect(testcase.getAttribute('name')).to.equal('(run)');
    expect(one(testcase, 'error').getAttribute('message')).to.equal('step 3 broke: field-b vanished');
    expect(one(doc, 'testsuite').getAttribute('errors')).to.equal('1');
  });

  it('keeps dots of names from splitting the classname (Jenkins reads package.class)', () => {
    const base = sampleReport();
    const doc = parse(renderJUnit({ ...base, name: 'smoke.v2', runs: [{ ...base.runs[0]!, name: 'loss=0.5%' }] }));
    expect(all(doc, 'testcase')[0]!.getAttribute('classname')).to.equal('smoke\u2024v2.loss=0\u20245%');
  });

  it('escapes hostile names and messages: well-formed, no markup of theirs, and they come back as written', () => {
    const report = hostileReport();
    const xml = renderJUnit(report);
    expectXmlChars(xml);
    expect(xml).not.to.contain('<script');
    expect(xml).not.to.contain('<img');
    expect(xml).not.to.contain('<iframe');
    const doc = parse(xml);
    const root = doc.documentElement!;
    expect(root.getAttribute('name')).to.equal(HOSTILE.scenario);
    const suite = one(doc, 'testsuite');
    expect(suite.getAttribute('name')).to.equal(`run ${HOSTILE.cdata}`);
    const failure = one(doc, 'failure');
    expect(failure.getAttribute('message')).to.equal(HOSTILE.error);
    expect(failure.getAttribute('type')).to.equal(HOSTILE.cdata);
    // U+D800 alone is not XML: it comes back as its notation, the rest as written.
    expect(all(doc, 'testcase')[0]!.getAttribute('name')).to.equal(`${HOSTILE.cdata} half\\uD800pair`);
    const props = Object.fromEntries(all(doc, 'property').map((p) => [p.getAttribute('name'), p.getAttribute('value')]));
    expect(props['param.mode']).to.equal(HOSTILE.task);
    expect(props.file).to.equal(`scenarios/${HOSTILE.emoji}.yaml`);
    const out = one(doc, 'system-out').textContent ?? '';
    expect(out).to.contain('bell\\u0007esc\\u001B[31mred\\u0000nul');
    expect(out).to.contain(HOSTILE.error);
    expect(all(doc, 'script')).to.have.length(0);
  });

  it('keeps new lines, tabs and carriage returns of an attribute through attribute normalisation', () => {
    const base = sampleReport();
    const run = base.runs[0]!;
    const reason = 'line one\nline\ttwo\r\nthree';
    const doc = parse(renderJUnit({ ...base, runs: [{ ...run, expectations: [{ ...run.expectations[5]!, reason }] }] }));
    expect(one(doc, 'failure').getAttribute('message')).to.equal(reason);
  });
});

/**
 * The parts the renderers are built from: text made printable and inert, the
 * markup builder that escapes by construction, and the timeline's arithmetic
 * (round ticks, labels stacked apart).
 */
import { expect } from 'chai';
import { fragment, h, trusted } from '../../src/scenario/report-markup.ts';
import { stack, tickLabel, tickStep, timeScale } from '../../src/scenario/report-layout.ts';
import { escapeMarkup, oneLine, printable } from '../../src/scenario/report-text.ts';

describe('the parts of the reports', () => {
  describe('text', () => {
    it('writes what XML 1.0 cannot hold, and what would steer a terminal, as \\uXXXX', () => {
      expect(printable('a\u0000b\u0007c\u001bd\u007fe\u0085f\ufffeg\uffff')).to.equal('a\\u0000b\\u0007c\\u001Bd\\u007Fe\\u0085f\\uFFFEg\\uFFFF');
      expect(printable('lone \ud800 and \udc00, pair \ud83d\ude80')).to.equal('lone \\uD800 and \\uDC00, pair 🚀');
      expect(printable('tab\tline\nreturn\r')).to.equal('tab\tline\nreturn\r');
    });

    it('escapes markup in text and attributes', () => {
      expect(escapeMarkup(`<a href="x" title='y'>&amp;]]></a>`)).to.equal('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;]]&gt;&lt;/a&gt;');
      expect(escapeMarkup('a\tb\nc\rd', true)).to.equal('a&#9;b&#10;c&#13;d');
      expect(escapeMarkup('a\tb\nc\rd')).to.equal('a\tb\nc&#13;d');
    });

    it('keeps a terminal cell on one line and cuts it by characters, not UTF-16 units', () => {
      expect(oneLine('  two\n  lines\t here ')).to.equal('two lines here');
      expect(oneLine('🚀🚀🚀🚀', 3)).to.equal('🚀🚀…');
      expect(oneLine('short', 5)).to.equal('short');
    });
  });

  describe('markup', () => {
    it('escapes every string child and attribute value, and passes built markup through', () => {
      const m = h('p', { title: '"><script>', 'data-x': 1.25, hidden: true, skipped: undefined, off: false }, '<b>', h('b', {}, 'bold'), 3, undefined, ['&', null]);
      expect(m.toString()).to.equal('<p title="&quot;&gt;&lt;script&gt;" data-x="1.3" hidden>&lt;b&gt;<b>bold</b>3&amp;</p>');
      expect(fragment('<', trusted('<br>')).toString()).to.equal('&lt;<br>');
    });

    it('refuses a tag or attribute name that is not a plain name', () => {
      expect(() => h('p onload=x', {})).to.throw('bad tag name');
      expect(() => h('p', { 'x" onload="y': 'z' })).to.throw('bad attribute name');
    });

    it('self-closes empty SVG elements, never HTML containers or void elements', () => {
      expect(h('rect', { x: 1 }).toString()).to.equal('<rect x="1"/>');
      expect(h('div', {}).toString()).to.equal('<div></div>');
      expect(h('meta', { charset: 'utf-8' }).toString()).to.equal('<meta charset="utf-8">');
    });

    it('is not faked by an object that looks like it', () => {
      const fake = { html: '<script>alert(1)</script>' } as unknown as string;
      expect(() => h('p', {}, fake)).to.throw('not markup');
    });
  });

  describe('the time axis', () => {
    it('picks round steps: 1-2-5 below a second, clock steps above', () => {
      expect([800, 10_000, 22_500, 60_000, 600_000].map((d) => tickStep(d))).to.deep.equal([100, 1000, 2000, 5000, 60_000]);
      expect(timeScale(22_500, 0, 100).ticks.map((t) => tickLabel(t, 2000))).to.deep.equal(['0 s', '2 s', '4 s', '6 s', '8 s', '10 s', '12 s', '14 s', '16 s', '18 s', '20 s', '22 s']);
      expect(tickLabel(2500, 500)).to.equal('2.5 s');
      expect(tickLabel(400, 100)).to.equal('400 ms');
      expect(tickLabel(180_000, 60_000)).to.equal('3 min');
    });

    it('maps the run onto the axis, clamped to it', () => {
      const s = timeScale(20_000, 100, 300);
      expect([s.x(0), s.x(10_000), s.x(20_000), s.x(-5), s.x(30_000)]).to.deep.equal([100, 200, 300, 100, 300]);
    });

    it('stacks labels on as few levels as keep them apart', () => {
      expect(stack([{ x0: 0, x1: 50 }, { x0: 40, x1: 90 }, { x0: 60, x1: 100 }, { x0: 100, x1: 120 }])).to.deep.equal([0, 1, 0, 1]);
      expect(stack([])).to.deep.equal([]);
    });
  });
});

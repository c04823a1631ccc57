// Properties of the unit parsers of the cluster and scenario files: whatever the
// text, a parser answers a usable number or "not a value" (never throws, never
// NaN or a negative rate), and what the formatters print parses back to the
// same quantity within their four significant digits.
import { expect } from 'chai';
import fc from 'fast-check';
import { formatBandwidth, formatDuration, parseBandwidth, parseDuration, parseFraction } from '../../src/config/index.ts';
import { fuzzParameters } from '../support/fuzz.ts';

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.double({ noNaN: false }), fc.constantFrom('', ' ', 'Mbit', 'MiB/s', 'ms', 's', 'us', '%', 'bit', 'GiB/s', 'min')).map(([n, u]) => `${n}${u}`),
);

describe('fuzz: unit parsers', () => {
  it('answer a finite, non-negative number or undefined for any text', () => {
    fc.assert(
      fc.property(text, (s) => {
        const b = parseBandwidth(s);
        if (b !== undefined) expect(Number.isFinite(b) && b > 0, `parseBandwidth(${JSON.stringify(s)}) = ${b}`).to.equal(true);
        const d = parseDuration(s);
        if (d !== undefined) expect(Number.isFinite(d) && d >= 0, `parseDuration(${JSON.stringify(s)}) = ${d}`).to.equal(true);
        const f = parseFraction(s);
        if (f !== undefined) expect(f >= 0 && f <= 1, `parseFraction(${JSON.stringify(s)}) = ${f}`).to.equal(true);
      }),
      fuzzParameters(300),
    );
  });

  it('read back what they print, within four significant digits', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e11, noNaN: true }), fc.double({ min: 0.001, max: 1e7, noNaN: true }), (rate, ms) => {
        const b = parseBandwidth(formatBandwidth(rate));
        expect(b, formatBandwidth(rate)).to.be.a('number');
        expect(Math.abs((b as number) - rate) / rate).to.be.below(1e-3);
        const d = parseDuration(formatDuration(ms));
        expect(d, formatDuration(ms)).to.be.a('number');
        expect(Math.abs((d as number) - ms) / ms).to.be.below(1e-3);
      }),
      fuzzParameters(300),
    );
  });
});

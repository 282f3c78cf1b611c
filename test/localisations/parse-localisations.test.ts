import { describe, expect, it } from 'vitest';
import { isMetdbError } from '../../shared/errors/metdb-error.js';
import { correctLocalisations, formatLike } from '../../shared/localisations/correct-localisations.js';
import { parseLocalisations } from '../../shared/localisations/parse-localisations.js';

const THUNDERSTORM = [
  '"id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","uncertainty [nm]"',
  '1,1.0,1200.5,3400.25,130.2,2000.0,11.3',
  '2,1.0,1500.0,3000.75,128.9,1800.0,12.1',
  '3,2.0,1210.5,3410.25,131.0,2100.0,10.9',
  '',
  '4,4.0,-5.0,7.5e2,120.0,900.0,14.0',
].join('\n');

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isMetdbError(error, 'invalid-value')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('parseLocalisations', () => {
  it("reads ThunderSTORM's columns, skipping blank lines", () => {
    const t = parseLocalisations(`${THUNDERSTORM}\n`);
    expect(Array.from(t.frame)).toEqual([1, 1, 2, 4]);
    expect(Array.from(t.x)).toEqual([1200.5, 1500, 1210.5, -5]);
    expect(Array.from(t.y)).toEqual([3400.25, 3000.75, 3410.25, 750]);
    expect(t.z).toBeUndefined();
    expect(Array.from(t.rowLines)).toEqual([1, 2, 3, 5]);
    expect(t.finalNewline).toBe(true);
  });

  it('maps other headers, reads z, tabs, CRLF and quoted fields', () => {
    const text = ['t\tx_nm\ty_nm\tz_nm\tnote', '0\t1\t2\t3\t"a\tb"', '3\t4\t5\t6\tc'].join('\r\n');
    const t = parseLocalisations(text, { columns: { frame: 't', x: 'x_nm', y: 'y_nm', z: 'z_nm' } });
    expect(t.delimiter).toBe('\t');
    expect(t.newline).toBe('\r\n');
    expect(Array.from(t.z!)).toEqual([3, 6]);
    expect(t.finalNewline).toBe(false);
  });

  it('names the line and column of bad input in one line', () => {
    const lines = THUNDERSTORM.split('\n');
    const cases: [string, RegExp][] = [
      [
        lines.map((l, i) => (i === 2 ? l.replace('1500.0', 'abc') : l)).join('\n'),
        /line 3, column "x \[nm\]": "abc" is not a number/,
      ],
      [
        lines.map((l, i) => (i === 3 ? l.replace('3410.25', '') : l)).join('\n'),
        /line 4, column "y \[nm\]": "" is not a number/,
      ],
      [
        lines.map((l, i) => (i === 3 ? l.replace('2.0', '0.0') : l)).join('\n'),
        /line 4, column "frame": frame 0 comes after frame 1/,
      ],
      [
        lines.map((l, i) => (i === 1 ? l.replace('1.0', '1.5') : l)).join('\n'),
        /line 2, column "frame": frame "1.5" is not an integer/,
      ],
      [
        lines.map((l, i) => (i === 0 ? l.replace('"x [nm]"', '"x [px]"') : l)).join('\n'),
        /missing column "x \[nm\]" \(x\); the header has .*"x \[px\]"/,
      ],
      [lines.slice(0, 1).join('\n'), /header but no localisations/],
      ['', /the table is empty/],
      [`${lines[0]}\n1,2.0,3.0`, /line 2 has 3 fields, the columns read need 4/],
    ];
    for (const [text, pattern] of cases) {
      const m = message(() => parseLocalisations(text, { source: 'locs.csv' }));
      expect(m).toMatch(pattern);
      expect(m.startsWith('locs.csv: ')).toBe(true);
      expect(m).not.toContain('\n');
    }
    expect(message(() => parseLocalisations(THUNDERSTORM, { columns: { z: 'z' } }))).toMatch(
      /missing column "z" \(z\)/,
    );
  });
});

describe('correctLocalisations', () => {
  it('rewrites only the coordinates, in their own format, every other byte kept', () => {
    const t = parseLocalisations(THUNDERSTORM);
    const drift = {
      frames: [1, 2, 3, 4],
      drift: [
        [0, 0],
        [10.25, -1],
        [0, 0],
        [2, 3],
      ],
    };
    const out = correctLocalisations(t, drift).split('\n');
    expect(out[0]).toBe(THUNDERSTORM.split('\n')[0]);
    expect(out[1]).toBe('1,1.0,1200.5,3400.25,130.2,2000.0,11.3');
    expect(out[3]).toBe('3,2.0,1200.3,3411.25,131.0,2100.0,10.9'); // 1210.5 - 10.25 = 1200.25 -> 1 decimal
    expect(out[4]).toBe('');
    expect(out[5]).toBe('4,4.0,-7.0,7.5e2,120.0,900.0,14.0');
    expect(out).toHaveLength(6); // no final newline added
  });

  it('keeps quotes and writes no negative zero', () => {
    expect(formatLike(' 12.50 ', -0.001)).toBe(' 0.00 ');
    const t = parseLocalisations('frame;"x [nm]";"y [nm]"\n1;"5.0";6\n', {});
    expect(correctLocalisations(t, { frames: [1], drift: [[1, 1]] })).toBe(
      'frame;"x [nm]";"y [nm]"\n1;"4.0";5\n',
    );
  });
});

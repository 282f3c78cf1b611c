import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../shared/imaging/read-image-file.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { sectionQuality } from '../../shared/quality-metrics/section-quality.js';
import {
  SECTION_QUALITY_COLUMNS,
  sectionQualityCsv,
  sectionQualityJson,
} from '../../shared/quality-metrics/section-quality-csv.js';
import { renderReport } from '../../shared/report/render-report.js';
import { withNoise } from '../tiling/pixels.js';

describe('the per-section table as CSV, JSON and a report section', () => {
  it('writes every section with its box and metrics, the summary rows, and plots them', async () => {
    const base = (await readImageFile(new URL('../fixtures/accuracy/camera.png', import.meta.url).pathname))
      .array;
    // Four sections of one real image with independent noise; section 3 is noise only (damaged).
    const [n, h, w] = [4, 96, 128];
    const data = new Float64Array(n * h * w);
    for (let k = 0; k < n; k++) {
      const plane = new Float64Array(h * w);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) plane[y * w + x] = base.data[(100 + y) * 512 + 100 + x]!;
      const noisy = withNoise(ndarray(k === 3 ? new Float64Array(h * w) : plane, [h, w]), 8, k + 1);
      data.set(noisy.data, k * h * w);
    }
    const table = sectionQuality(ndarray(data, [n, h, w]), {
      box: { x: 8, y: 4, width: 100, height: 80 },
      bins: 64,
    });
    const rows = sectionQualityCsv(table).trim().split('\n');
    expect(rows[0]).toBe(SECTION_QUALITY_COLUMNS.join(','));
    expect(rows).toHaveLength(1 + 3 + 3);
    const cells = rows.slice(1, 4).map((r) => r.split(','));
    expect(cells.map((c) => c.slice(0, 6).map(Number))).toEqual([
      [1, 0, 8, 4, 100, 80],
      [2, 1, 8, 4, 100, 80],
      [3, 2, 8, 4, 100, 80],
    ]);
    cells.forEach((c, k) => {
      expect(Number(c[6])).toBeCloseTo(table.sections[k]!.ncc, 5);
      expect(Number(c[7])).toBeCloseTo(table.sections[k]!.nsad, 5);
    });
    expect(Number(cells[0]![6])).toBeGreaterThan(0.9);
    expect(Math.abs(Number(cells[2]![6]))).toBeLessThan(0.2);
    expect(rows.slice(4).map((r) => r.split(',')[0])).toEqual(['# mean', '# median', '# std']);
    const json = JSON.parse(sectionQualityJson(table)) as typeof table;
    expect(json.sections.map((s) => s.ncc)).toEqual(table.sections.map((s) => s.ncc));
    const html = renderReport({
      dataset: 'stack',
      results: [],
      finishedAt: new Date(0),
      stacks: [{ name: 'stack.mrc', table }],
    });
    expect(html).toContain('<h3>stack.mrc: 4 sections</h3>');
    expect(html.match(/<circle[^>]*><title>\d+: nsad = /g)).toHaveLength(3);
    expect(html).toContain('over the box 8, 4, 100 x 80 px');
  });
});

import { encodeAlignedStack } from '../imaging/encode-aligned-stack.js';
import type { NdArray } from '../ndarray/ndarray.js';
import { sectionQuality, type SectionQualityTable } from '../quality-metrics/section-quality.js';
import { sectionQualityCsv, sectionQualityJson } from '../quality-metrics/section-quality-csv.js';
import { outputFrameBox } from '../tiling/output-frame-box.js';
import { resampleSections } from '../tiling/resample-sections.js';
import type { OutputSink } from './output-sink.js';
import type { SeriesResult, SeriesSections } from './series-result.js';

/** What `writeSectionStack` wrote: the corrected stack, the transforms, the quality table. */
export interface WrittenSectionStack {
  readonly corrected: string;
  readonly transformsCsv: string;
  readonly transformsJson: string;
  readonly quality: { readonly csv: string; readonly json: string; readonly table: SectionQualityTable };
}

/**
 * A stack of sections' outputs, as `metdb align` writes them for the same settings: every section
 * resampled onto section 0 through its matrix in the chain's frame (`resampleSections`, linear),
 * one MRC for an MRC input (voxel size kept) or one multi-page TIFF (`encodeAlignedStack`,
 * `<name>_corrected.mrc|tif`); `transforms.csv` and `transforms.json` (each section's `matrix`
 * onto section 0, moving -> reference, (x, y) pixels, its step, evidence and flag); and the
 * per-section quality table between consecutive sections over the region every section covers.
 * `prefix` names the tables when a run holds several series.
 */
export async function writeSectionStack(
  sink: OutputSink,
  series: SeriesResult & { sections: SeriesSections },
  stack: NdArray<Uint8Array | Uint16Array | Float32Array>,
  names: { name: string; prefix: string },
): Promise<WrittenSectionStack> {
  const { chain, solved } = series.sections;
  const transforms = solved.map((s) => s.matrix);
  const { aligned, frame } = resampleSections(stack, transforms, { outputFrame: chain.outputFrame });
  const mrc = /\.mrc$/i.test(series.file);
  const framed = chain.outputFrame === 'first' ? '' : `, ${chain.outputFrame} ${frame.x},${frame.y}`;
  const corrected = await sink.write(
    `${names.name}_corrected.${mrc ? 'mrc' : 'tif'}`,
    encodeAlignedStack(aligned, {
      format: mrc ? 'mrc' : 'tiff',
      pixelSize: series.pixelSize,
      label: `Aligned by Met-db (${chain.model}${framed}) from ${series.file.split('/').pop() ?? series.file}`,
    }),
  );
  const sections = solved.map((s, section) => ({
    section,
    matrix: s.matrix,
    step: s.step,
    model: s.model,
    tiles: s.tiles,
    inliers: s.inliers,
    residualRms: s.residualRms,
    flagged: s.flagged,
  }));
  const document = {
    file: series.file,
    model: chain.model,
    ...(chain.model === 'regularized-affine' && { lambda: chain.lambda }),
    chain: chain.chain,
    outputFrame: chain.outputFrame,
    frame,
    matrix:
      'moving -> reference: (x, y) pixels of section k onto section 0, origin at the centre of the top-left pixel',
    sections,
  };
  const transformsJson = await sink.write(
    `${names.prefix}transforms.json`,
    `${JSON.stringify(document, null, 2)}\n`,
  );
  const csv = [
    'section,model,tiles,inliers,residual_rms,flagged,matrix',
    ...sections.map((s) =>
      [
        String(s.section),
        s.model ?? '',
        s.tiles === null ? '' : String(s.tiles),
        s.inliers === null ? '' : String(s.inliers),
        s.residualRms === null ? '' : s.residualRms.toFixed(4),
        s.flagged ?? '',
        `"${JSON.stringify(s.matrix)}"`,
      ].join(','),
    ),
  ];
  const transformsCsv = await sink.write(`${names.prefix}transforms.csv`, `${csv.join('\n')}\n`);
  // Over the region every section covers, in the written frame (as metdb align's default box).
  const common = outputFrameBox(transforms, [stack.shape[1]!, stack.shape[2]!], 'crop');
  const box = { x: common.x - frame.x, y: common.y - frame.y, width: common.width, height: common.height };
  const table = sectionQuality(aligned, { bins: 256, box });
  return {
    corrected,
    transformsCsv,
    transformsJson,
    quality: {
      csv: await sink.write(`${names.prefix}quality.csv`, sectionQualityCsv(table)),
      json: await sink.write(`${names.prefix}quality.json`, sectionQualityJson(table)),
      table,
    },
  };
}

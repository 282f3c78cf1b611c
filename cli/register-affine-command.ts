import { DEFAULT_LAMBDA, type AffineModel } from '../shared/aggregation/section-transform.js';
import type { NdArray } from '../shared/ndarray/ndarray.js';
import { registerAffine } from '../shared/tiling/register-affine.js';

export interface RegisterAffineRun {
  readonly model: AffineModel;
  readonly lambda?: number;
  readonly tileSize: number;
  readonly upsampleFactor: number;
  readonly json: boolean;
  readonly names: readonly [reference: string, moving: string];
}

/**
 * `metdb register --model affine|xscale-shift|scale-shift|regularized-affine`: the model fitted to
 * the tiles' shifts (`registerAffine`), printed. Exit code 1 when no tile gave evidence.
 */
export function registerAffineCommand(
  reference: NdArray,
  moving: NdArray,
  run: RegisterAffineRun,
  out: (line: string) => void,
): number {
  const r = registerAffine(reference, moving, {
    model: run.model,
    tileSize: run.tileSize,
    upsampleFactor: run.upsampleFactor,
    ...(run.lambda !== undefined && { lambda: run.lambda }),
  });
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  if (run.json) {
    out(
      JSON.stringify({
        model: run.model,
        matrix: r.matrix,
        shift: r.shift,
        fittedModel: r.model,
        flagged: r.flagged,
        tiles: r.tiles,
        inliers: r.inliers,
        residualRms: finite(r.residualRms),
        nccBefore: finite(r.nccBefore),
        nccAfter: finite(r.nccAfter),
        ...(run.model === 'regularized-affine' && { lambda: run.lambda ?? DEFAULT_LAMBDA }),
      }),
    );
  } else {
    const [ref, mov] = run.names;
    const evidence = `${r.inliers}/${r.tiles} tiles, residual ${r.residualRms.toFixed(3)} px`;
    out(
      `${run.model}: centre shift y=${r.shift[0].toFixed(3)} x=${r.shift[1].toFixed(3)} px (moves ${mov} onto ${ref}); ${evidence}`,
    );
    out(`matrix ${JSON.stringify(r.matrix.map((row) => row.map((v) => Number(v.toPrecision(10)))))}`);
    out(`NCC ${r.nccBefore.toFixed(3)} before, ${r.nccAfter.toFixed(3)} after (over the overlap)`);
    if (r.flagged !== null) out(`flagged: ${r.flagged} (fitted as a shift, not as ${run.model})`);
  }
  return r.flagged === 'no-points' ? 1 : 0;
}

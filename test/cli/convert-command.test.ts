import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../shared/imaging/decode-image.js';
import { encodeMrc } from '../../shared/imaging/encode-mrc.js';
import { parseMrcHeader } from '../../shared/imaging/mrc-header.js';
import { ndarray } from '../../shared/ndarray/ndarray.js';
import { binSections, convertToUint8 } from '../../shared/stack-conversion/index.js';
import { runMetdb } from '../support/run-metdb.js';

const scratch = mkdtempSync(join(tmpdir(), 'metdb-convert-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const metdb = (args: string[]) => runMetdb(args);

describe('metdb convert', () => {
  const raw = readFileSync(new URL('../fixtures/conversion/stack.u16', import.meta.url));
  const stack = ndarray(
    new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
    [24, 40, 48],
  );
  const input = join(scratch, 'stack.mrc');
  writeFileSync(input, encodeMrc(stack, { voxelSize: { x: 40, y: 40, z: 80 } }));

  it('bins by 2 and converts to 8 bits with sliding ranges, keeping the voxel size (z doubled)', async () => {
    const output = join(scratch, 'out.mrc');
    const r = metdb([
      'convert',
      input,
      output,
      '--bin-z',
      '2',
      '--uint8',
      '--sliding',
      '--window',
      '5',
      '--order',
      '2',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/out\.mrc: \[12, 40, 48\] uint8, z binned by 2, 8 bits \(sliding ranges /);
    const bytes = readFileSync(output);
    const header = parseMrcHeader(bytes);
    expect(header.voxelSize.map((v) => Math.round(v * 100) / 100)).toEqual([40, 40, 160]);
    const want = convertToUint8(binSections(stack), { range: 'sliding', window: 5, order: 2 }).image;
    expect(Array.from((await decodeImage(bytes)).array.data)).toEqual(Array.from(want.data));
  });

  it('refuses a bad option or output name in one line (exit 2), a binning the file cannot take (exit 1)', () => {
    const bad = metdb(['convert', input, join(scratch, 'x.png'), '--uint8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(
      `metdb: the output must end in .mrc, .tif or .tiff, got "${join(scratch, 'x.png')}"`,
    );
    expect(metdb(['convert', input, join(scratch, 'x.tif'), '--thr-min', '2']).stderr.split('\n')[0]).toBe(
      'metdb: --thr-min must be a fraction in [0, 1), got "2"',
    );
    const tooMany = metdb(['convert', input, join(scratch, 'x.tif'), '--bin-z', '25']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toBe(
      `metdb: ${input}: --bin-z 25 needs a stack of at least 25 sections, got shape [24, 40, 48]\n`,
    );
  });
});

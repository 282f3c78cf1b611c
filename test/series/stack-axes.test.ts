import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTiffStructure } from '../../shared/imaging/tiff-structure.js';
import { seriesAxis, stackAxes } from '../../shared/series/stack-axes.js';

const root = new URL('../../', import.meta.url).pathname;

function axesOf(path: string) {
  const structure = readTiffStructure(new Uint8Array(readFileSync(`${root}${path}`)));
  return stackAxes(structure.description, structure.pages.length);
}

describe('stackAxes and seriesAxis on real files', () => {
  it('an ImageJ time series (frames=5) is a series of 5 frames, alone or not', () => {
    const axes = axesOf('test/fixtures/series/migration_tyx_imagej.tif');
    expect(axes).toEqual({ t: 5, z: 1, c: 1, source: 'imagej' });
    expect(seriesAxis(axes, 1)).toBe('t');
    expect(seriesAxis(axes, 3)).toBe('t');
    expect(seriesAxis(axes, 1, 'z')).toBe('z');
  });

  it('ImageJ and OME z-stacks are volumes', () => {
    const imagej = axesOf('test/fixtures/images/bbbc022_zcyx_imagej.tif');
    expect(imagej).toEqual({ t: 1, z: 3, c: 2, source: 'imagej' });
    expect(seriesAxis(imagej, 1)).toBe('z');
    const ome = axesOf('test/fixtures/images/bbbc022_czyx.ome.tif');
    expect(ome).toEqual({ t: 1, z: 3, c: 2, source: 'ome' });
    expect(seriesAxis(ome, 1)).toBe('z');
    expect(axesOf('test/fixtures/images/blobs3d_skeleton.tif')).toEqual({
      t: 1,
      z: 30,
      c: 1,
      source: 'imagej',
    });
  });

  it('pages without axis metadata: a time series when alone in the dataset, else a volume', () => {
    // The description tifffile wrote into the original time-lapse: a shape, no axes.
    const axes = stackAxes('{"shape": [48, 130, 130]}', 48);
    expect(axes).toEqual({ t: 1, z: 48, c: 1, source: 'pages' });
    expect(seriesAxis(axes, 1)).toBe('t');
    expect(seriesAxis(axes, 4)).toBe('z');
    expect(seriesAxis(axes, 4, 't')).toBe('t');
    // Sizes that do not match the pages are not trusted.
    expect(stackAxes('ImageJ=1.53\nimages=10\nframes=4\n', 10).source).toBe('pages');
    expect(stackAxes('<OME><Image><Pixels SizeT="3" SizeZ="2" SizeC="1"/></Image></OME>', 6)).toEqual({
      t: 3,
      z: 2,
      c: 1,
      source: 'ome',
    });
    expect(seriesAxis(stackAxes('<OME><Pixels SizeT="3" SizeZ="2"></Pixels></OME>', 6), 1)).toBe('t');
  });
});

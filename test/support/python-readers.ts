import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';

/** True when /usr/bin/python3 can import every module named (tifffile, zarr...). */
export function hasPython(...modules: string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  const run = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return run.status === 0;
}

/** Runs a Python script with arguments and parses the JSON it prints on its last line. */
export function runPython<T>(script: string, ...args: string[]): T {
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/**
 * What tifffile reads from a TIFF: the first series' axes, shape, dtype, per-channel sums, and the
 * metadata (OME-XML channel names and physical sizes, or ImageJ's unit, spacing, labels and the
 * resolution tags).
 */
export const TIFFFILE_READ = String.raw`
import json, sys, re
import numpy as np, tifffile
with tifffile.TiffFile(sys.argv[1]) as t:
    s = t.series[0]
    a = s.asarray()
    out = {'axes': s.axes, 'shape': list(a.shape), 'dtype': str(a.dtype), 'is_ome': t.is_ome,
           'is_imagej': t.is_imagej, 'pages': len(t.pages)}
    c = s.axes.find('C')
    out['channel_sums'] = [float(np.take(a, k, axis=c).astype(np.float64).sum()) for k in range(a.shape[c])] if c >= 0 else [float(a.astype(np.float64).sum())]
    if t.is_ome:
        xml = t.ome_metadata
        px = re.search(r'<Pixels[^>]*>', xml).group(0)
        attr = lambda n: (re.search(n + r'="([^"]*)"', px) or [None, None])[1]
        out['ome'] = {'names': re.findall(r'<Channel[^>]*?Name="([^"]*)"', xml),
                      'x': attr('PhysicalSizeX'), 'y': attr('PhysicalSizeY'), 'z': attr('PhysicalSizeZ'),
                      'unit': attr('PhysicalSizeXUnit')}
    if t.is_imagej:
        md = t.imagej_metadata
        xr = t.pages[0].tags['XResolution'].value
        out['imagej'] = {'unit': md.get('unit'), 'spacing': md.get('spacing'), 'labels': md.get('Labels'),
                         'channels': md.get('channels'), 'slices': md.get('slices'), 'x': xr[1] / xr[0]}
print(json.dumps(out))
`;

/**
 * An independent reader of an OME-Zarr (NGFF 0.5) store: the Zarr v3 layout read with json and numpy
 * (zarr.json, `c/` chunk keys, the `bytes` codec), and zarr-python itself when it reads v3 (>= 3):
 * the version, axes, channel labels, and per level its shape, scale and per (t, c) sums.
 */
export const ZARR_V3_READ = String.raw`
import json, sys, os
import numpy as np
root = sys.argv[1]
group = json.load(open(os.path.join(root, 'zarr.json')))
ome = group['attributes']['ome']
ms = ome['multiscales'][0]
out = {'version': ome['version'], 'axes': ms['axes'], 'labels': [c['label'] for c in ome['omero']['channels']], 'levels': []}
for d in ms['datasets']:
    meta = json.load(open(os.path.join(root, d['path'], 'zarr.json')))
    assert meta['zarr_format'] == 3 and meta['node_type'] == 'array'
    assert [c['name'] for c in meta['codecs']] == ['bytes']
    shape, chunk = meta['shape'], meta['chunk_grid']['configuration']['chunk_shape']
    a = np.zeros(shape, dtype=meta['data_type'])
    for idx in np.ndindex(*[-(-s // c) for s, c in zip(shape, chunk)]):
        path = os.path.join(root, d['path'], 'c', *map(str, idx))
        if not os.path.exists(path):
            continue
        block = np.frombuffer(open(path, 'rb').read(), dtype=np.dtype(meta['data_type']).newbyteorder('<')).reshape(chunk)
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunk, shape))
        a[sl] = block[tuple(slice(0, x.stop - x.start) for x in sl)]
    out['levels'].append({'path': d['path'], 'shape': shape, 'scale': d['coordinateTransformations'][0]['scale'],
                          'sums': [[float(a[t, c].astype(np.float64).sum()) for c in range(shape[1])] for t in range(shape[0])]})
try:
    import zarr
    if int(zarr.__version__.split('.')[0]) >= 3:
        out['zarr_python'] = list(zarr.open_group(root, mode='r')['0'].shape)
except ImportError:
    pass
print(json.dumps(out))
`;

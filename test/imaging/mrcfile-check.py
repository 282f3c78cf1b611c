#!/usr/bin/python3
"""Checks Met-db's MRC files with mrcfile, and writes files with mrcfile for Met-db to read.

Usage: mrcfile-check.py <dir>. For every <dir>/ours-*.mrc it prints (JSON, one object) what
mrcfile reads: mode, shape, dtype, voxel size, labels, the data as a flat list, and whether
mrcfile.validate() accepts the file. Then it writes <dir>/theirs-mode<M>.mrc with mrcfile for modes
0, 1, 2, 6 and 12 (known values, voxel size 11.4 x 12.5 x 8 Å, two labels) and prints their data.
"""
import io
import json
import sys
from pathlib import Path

import mrcfile
import numpy as np

folder = Path(sys.argv[1])
ours = {}
for path in sorted(folder.glob('ours-*.mrc')):
    report = io.StringIO()
    valid = mrcfile.validate(str(path), print_file=report)
    with mrcfile.open(str(path), permissive=False) as mrc:
        ours[path.name] = {
            'valid': bool(valid),
            'report': report.getvalue(),
            'mode': int(mrc.header.mode),
            'ispg': int(mrc.header.ispg),
            'shape': list(mrc.data.shape),
            'dtype': mrc.data.dtype.name,
            'voxelSize': [float(mrc.voxel_size.x), float(mrc.voxel_size.y), float(mrc.voxel_size.z)],
            'labels': [label.decode('ascii').rstrip() for label in mrc.header.label[: mrc.header.nlabl]],
            'data': mrc.data.astype(np.float64).ravel().tolist(),
        }

theirs = {}
rng = np.random.default_rng(7)
for mode, dtype in [(0, np.int8), (1, np.int16), (2, np.float32), (6, np.uint16), (12, np.float16)]:
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    low, high = (info.min, info.max) if info is not None else (-1000, 1000)
    values = rng.uniform(low, high, size=(3, 4, 5))
    data = (np.rint(values) if info is not None else values).astype(dtype)
    path = folder / f'theirs-mode{mode}.mrc'
    with mrcfile.new(str(path), overwrite=True) as mrc:
        mrc.set_data(data)
        mrc.set_volume()
        mrc.voxel_size = (11.4, 12.5, 8.0)
        mrc.add_label('written by mrcfile for Met-db')
    theirs[path.name] = {'mode': mode, 'data': data.astype(np.float64).ravel().tolist()}

json.dump({'mrcfile': mrcfile.__version__, 'ours': ours, 'theirs': theirs}, sys.stdout)

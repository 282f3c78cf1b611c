#!/usr/bin/python3
"""Run imreg_dft.similarity on the similarity bench's pairs (spawned by bench/similarity.bench.ts).

Request on stdin: {"cases": [{"id", "shape": [h, w], "reference": path, "moving": path}]} (float32,
raw, row-major). Response on stdout: {"available": true, "version", "cases": [{"shape", "angle",
"scale", "shift": [y, x], "ms"}]} with each result converted to Met-db's convention (the matrix
that maps moving points onto reference points: rotation by `angle` degrees turning +x toward +y,
`scale`, and `shift` of the image centre), or {"available": false, "reason"} when imreg_dft cannot
be imported (Debian does not package it; put its source on PYTHONPATH). One thread.
"""
import json
import os
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')
try:
    import numpy as np
    import imreg_dft
except ImportError as error:
    print(json.dumps({'available': False, 'reason': f'cannot import imreg_dft ({error})'}))
    sys.exit(0)

request = json.load(sys.stdin)
out = []
for case in request['cases']:
    shape = tuple(case['shape'])
    ref = np.fromfile(case['reference'], dtype='<f4').reshape(shape).astype(float)
    mov = np.fromfile(case['moving'], dtype='<f4').reshape(shape).astype(float)
    t0 = time.perf_counter()
    r = imreg_dft.similarity(ref, mov)
    ms = (time.perf_counter() - t0) * 1000
    # transform_img(moving, scale, angle, tvec) turns the moving image onto the reference about its
    # centre; scipy's positive angle turns +x toward -y (counter-clockwise as shown): Met-db's -angle.
    out.append({'shape': list(shape), 'angle': -float(r['angle']), 'scale': float(r['scale']),
                'shift': [float(r['tvec'][0]), float(r['tvec'][1])], 'ms': ms})
print(json.dumps({'available': True, 'version': getattr(imreg_dft, '__version__', ''), 'cases': out}))

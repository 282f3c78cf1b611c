#!/usr/bin/python3
"""Golden fixtures for affineTransform: scipy.ndimage.affine_transform on small real-image crops.

Run from the repository root with Debian's SciPy (1.10):

    /usr/bin/python3 test/registration/make-affine-fixtures.py

It reads the crops that make-shift-fixtures.py wrote (test/fixtures/shift/*.f64: camera.png from
scikit-image data, CC0; the bead psf.tif from tlambert03/pycudadecon, MIT) and writes to
test/fixtures/affine/:
  - <case>.f64: scipy.ndimage.affine_transform(crop, matrix, offset=, output_shape=, order=, mode=,
    cval=, prefilter=) in float64, little-endian, C order;
  - manifest.json: one entry per case with its parameters and file names.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import ndimage

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIFT = os.path.join(ROOT, 'test', 'fixtures', 'shift')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'affine')

SHAPES = {'camera-20x24': (20, 24), 'camera-3x2': (3, 2), 'psf-6x10x12': (6, 10, 12)}


def read(name):
    return np.fromfile(os.path.join(SHIFT, name + '.f64'), dtype='<f8').reshape(SHAPES[name])


def rotation(angle_deg, scale, centre):
    """Index-space (y, x) matrix and offset rotating by angle and scaling about centre (output -> input)."""
    a = math.radians(angle_deg)
    m = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) / scale
    c = np.array(centre, dtype=float)
    return m, c - m @ c


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []

    def case(inp, tag, matrix, offset=0.0, output_shape=None, order=3, mode='constant', cval=0.0, prefilter=True):
        image = read(inp)
        result = ndimage.affine_transform(image, np.asarray(matrix, dtype=float), offset=offset,
                                          output_shape=output_shape, order=order, mode=mode, cval=cval,
                                          prefilter=prefilter)
        name = f'{inp}.{tag}.o{order}.{mode}{"" if prefilter else ".nopre"}'
        np.ascontiguousarray(result, dtype='<f8').tofile(os.path.join(OUT, name + '.f64'))
        off = offset.tolist() if isinstance(offset, np.ndarray) else offset
        cases.append(dict(input=inp + '.f64', shape=list(image.shape), matrix=np.asarray(matrix).tolist(),
                          offset=off, outputShape=list(result.shape), order=order, mode=mode, cval=cval,
                          prefilter=prefilter, output=name + '.f64'))

    modes = ['constant', 'nearest', 'reflect', 'mirror', 'wrap', 'grid-wrap']
    m, off = rotation(23.0, 1.15, (9.5, 11.5))
    for mode in modes:
        for order in (0, 1, 3):
            case('camera-20x24', 'rot23s1.15', m, off, order=order, mode=mode, cval=7.5)
    # a large rotation and a shrink that reaches far outside (beyond the 12-pixel 'nearest' padding)
    m2, off2 = rotation(-131.0, 0.55, (9.5, 11.5))
    for mode in ('constant', 'nearest', 'reflect', 'grid-wrap'):
        case('camera-20x24', 'rot-131s0.55', m2, off2, order=3, mode=mode)
    # homogeneous matrix, other output shape, a shear
    h = np.array([[1.1, 0.2, -1.5], [-0.15, 0.9, 2.25], [0, 0, 1]])
    case('camera-20x24', 'shear-homogeneous', h, output_shape=(17, 29), order=3, mode='constant', cval=-3.0)
    case('camera-20x24', 'shear-homogeneous', h, output_shape=(17, 29), order=1, mode='reflect')
    case('camera-20x24', 'rot23s1.15', m, off, order=3, mode='reflect', prefilter=False)
    # an identity with a half-pixel offset: order-0 ties and exact edge coordinates
    case('camera-20x24', 'half', np.eye(2), [0.5, -0.5], order=0, mode='constant')
    case('camera-20x24', 'identity', np.eye(2), 0.0, order=3, mode='constant')
    for mode in ('constant', 'mirror'):
        case('camera-3x2', 'rot40', rotation(40.0, 1.0, (1.0, 0.5))[0], rotation(40.0, 1.0, (1.0, 0.5))[1],
             order=3, mode=mode)
    a = math.radians(17.0)
    m3 = np.array([[1.0, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]]) * 0.95
    c3 = np.array([2.5, 4.5, 5.5])
    for mode in ('constant', 'nearest'):
        case('psf-6x10x12', 'rotx17', m3, c3 - m3 @ c3 + np.array([0.3, 0, 0]), order=3, mode=mode)
    case('psf-6x10x12', 'rotx17', m3, c3 - m3 @ c3, order=1, mode='constant')

    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(dict(scipy=scipy.__version__, numpy=np.__version__, cases=cases), f, indent=1)
    print(f'{len(cases)} cases written to {OUT}', file=sys.stderr)


main()

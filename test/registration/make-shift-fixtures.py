#!/usr/bin/python3
"""Golden fixtures for interpolatedShift: scipy.ndimage.shift on small real-image crops.

Run from the repository root with Debian's SciPy (1.10):

    /usr/bin/python3 test/registration/make-shift-fixtures.py

It reads two images from ../shared/data (camera.png, scikit-image data, CC0; the lattice light-sheet
bead psf.tif from tlambert03/pycudadecon, MIT), crops them, converts them to float64 and writes to
test/fixtures/shift/:
  - <input>.f64: the crops, little-endian float64, C order;
  - <case>.f64: scipy.ndimage.shift(crop, shift, order=, mode=, cval=, prefilter=) in float64;
  - manifest.json: one entry per case with its parameters and file names.
"""
import json
import os
import sys

import numpy as np
import scipy
from PIL import Image
import tifffile
from scipy import ndimage

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, '..', 'shared', 'data')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'shift')


def write(name, array):
    np.ascontiguousarray(array, dtype='<f8').tofile(os.path.join(OUT, name))


def main():
    os.makedirs(OUT, exist_ok=True)
    camera = np.asarray(Image.open(os.path.join(DATA, 'camera.png')).convert('L'), dtype=np.float64)
    psf = tifffile.imread(os.path.join(DATA, 'pycudadecon_bead_psf', 'psf.tif')).astype(np.float64)
    inputs = {
        # textured region of the camera man (coat and tripod), 20 x 24
        'camera-20x24': camera[300:320, 200:224],
        # tiny shapes: boundary initialisations on very short lines
        'camera-3x2': camera[250:253, 250:252],
        'camera-1x7': camera[260:261, 240:247],
        # the bead of the lattice light-sheet PSF, 6 x 10 x 12 (z, y, x), raw counts
        'psf-6x10x12': psf[28:34, 59:69, 58:70],
    }
    for name, array in inputs.items():
        write(name + '.f64', array)

    cases = []

    def case(inp, shift, order, mode, cval=0.0, prefilter=True):
        result = ndimage.shift(inputs[inp], shift, order=order, mode=mode, cval=cval, prefilter=prefilter)
        name = f'{inp}.o{order}.{mode}.{"_".join(f"{s:g}" for s in shift)}{"" if prefilter else ".nopre"}'
        write(name + '.f64', result)
        cases.append(dict(input=inp + '.f64', shape=list(inputs[inp].shape), shift=list(shift), order=order,
                          mode=mode, cval=cval, prefilter=prefilter, output=name + '.f64'))

    modes = ['constant', 'nearest', 'reflect', 'mirror', 'wrap', 'grid-wrap']
    for mode in modes:
        for order in (0, 1, 3):
            case('camera-20x24', (2.3, -1.6), order, mode, cval=7.5)
    for mode in ('constant', 'nearest', 'reflect', 'wrap', 'grid-wrap'):
        # beyond 12 px (the 'nearest' prepadding) and beyond the image length
        case('camera-20x24', (-14.7, 27.2), 3, mode)
    case('camera-20x24', (0.5, -0.5), 0, 'constant')  # order-0 ties
    case('camera-20x24', (0.25, 3.0), 3, 'constant')  # one integer axis
    case('camera-20x24', (1.4, 0.6), 3, 'reflect', prefilter=False)
    case('camera-20x24', (1.4, 0.6), 3, 'constant', prefilter=False)
    for mode in modes:
        case('camera-3x2', (0.4, -0.3), 3, mode)
        case('camera-1x7', (0.7, 1.2), 3, mode)
    for mode in ('constant', 'nearest', 'reflect', 'grid-wrap'):
        case('psf-6x10x12', (0.6, -1.3, 2.2), 3, mode)
    case('psf-6x10x12', (0.6, -1.3, 2.2), 1, 'constant')

    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(dict(scipy=scipy.__version__, numpy=np.__version__, cases=cases), f, indent=1)
    print(f'{len(cases)} cases written to {OUT}', file=sys.stderr)


main()

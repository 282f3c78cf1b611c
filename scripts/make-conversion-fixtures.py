#!/usr/bin/python3
"""Make the fixtures for the stack conversions (shared/stack-conversion) with numpy and scipy.

Run with Debian's interpreter (numpy, scipy and tifffile from bookworm packages):

    /usr/bin/python3 scripts/make-conversion-fixtures.py

Input: a 24-section uint16 stack cut from the real 16-bit cell image (test/fixtures/images/
cell_u16.tif), each section moved by one pixel and given a slow brightness drift (gain and
offset, as FIB-SEM stacks drift while milling) and Gaussian noise, fixed seed.

Expected values, computed here the way the FIB-SEM registration toolkit (G. Shtengel, SIFT_gs)
computes them, written independently of Met-db:
- per-section ranges: get_min_max_thresholds (np.histogram with 256 bins, CDF, argmin of the
  distance to thr_min and 1 - thr_max, left bin edges), thr_min = thr_max = 1e-3;
- global range: the same thresholds on the distribution of the section minima and maxima;
- sliding range: scipy.signal.savgol_filter of the section minima and maxima (window
  min(101, n // 8 * 2 + 1), order 3, mode 'interp');
- 8-bit: ((clip(v, lo, hi) - lo) / (hi - lo) * 255).astype(uint8);
- z binning by 2: the mean of section pairs, rounded half up (floor(m + 0.5));
- Savitzky-Golay of a noisy series for several windows and orders (scipy).

Writes under test/fixtures/conversion/: stack.u16 (raw little-endian, shape in the manifest),
global.u8, sliding.u8, binned.u16 and manifest.json.
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import tifffile
from scipy.signal import savgol_filter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'test' / 'fixtures' / 'conversion'


def get_min_max_thresholds(image, thr_min=1e-3, thr_max=1e-3, nbins=256):
    hist, bins = np.histogram(image.ravel(), bins=nbins)
    pdf = hist / np.prod(image.shape)
    cdf = np.cumsum(pdf)
    data_max = bins[np.argmin(np.abs(cdf - (1.0 - thr_max)))]
    data_min = bins[np.argmin(np.abs(cdf - thr_min))]
    return float(data_min), float(data_max)


def to_uint8(section, lo, hi):
    return ((np.clip(section, lo, hi) - lo) / (hi - lo) * 255.0).astype(np.uint8)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cell = tifffile.imread(ROOT / 'test' / 'fixtures' / 'images' / 'cell_u16.tif').astype(np.float64)
    rng = np.random.default_rng(5)
    n, h, w = 24, 40, 48
    stack = np.empty((n, h, w))
    for z in range(n):
        crop = cell[260 + z: 260 + z + h, 200: 200 + w]
        gain = 1 + 0.015 * z
        offset = 2000 * np.sin(z / 4)
        stack[z] = crop * gain + offset + rng.normal(0, 300, crop.shape)
    stack = np.clip(np.rint(stack), 0, 65535).astype(np.uint16)
    (OUT / 'stack.u16').write_bytes(stack.astype('<u2').tobytes())

    ranges = [get_min_max_thresholds(s) for s in stack]
    section_min = np.array([r[0] for r in ranges])
    section_max = np.array([r[1] for r in ranges])
    global_min = get_min_max_thresholds(section_min)[0]
    global_max = get_min_max_thresholds(section_max)[1]
    window = min(101, n // 8 * 2 + 1)
    sliding_min = savgol_filter(section_min, window, 3)
    sliding_max = savgol_filter(section_max, window, 3)

    converted_global = np.stack([to_uint8(s.astype(float), global_min, global_max) for s in stack])
    converted_sliding = np.stack([to_uint8(s.astype(float), lo, hi) for s, lo, hi in zip(stack, sliding_min, sliding_max)])
    (OUT / 'global.u8').write_bytes(converted_global.tobytes())
    (OUT / 'sliding.u8').write_bytes(converted_sliding.tobytes())

    pairs = stack.astype(np.float64).reshape(n // 2, 2, h, w).mean(axis=1)
    binned = np.floor(pairs + 0.5).astype(np.uint16)
    (OUT / 'binned.u16').write_bytes(binned.astype('<u2').tobytes())

    t = np.arange(60)
    series = np.sin(t / 7) * 100 + 0.02 * t ** 2 + rng.normal(0, 5, t.shape)
    savgol = [
        {'window': wl, 'order': po, 'smoothed': savgol_filter(series, wl, po).tolist()}
        for wl, po in [(5, 2), (11, 3), (21, 1), (59, 4), (7, 0)]
    ]

    manifest = {
        'generator': 'scripts/make-conversion-fixtures.py',
        'versions': {'python': platform.python_version(), 'numpy': np.__version__, 'scipy': scipy.__version__},
        'stack': {'file': 'stack.u16', 'shape': [n, h, w]},
        'thrMin': 1e-3, 'thrMax': 1e-3, 'nbins': 256, 'window': window, 'order': 3,
        'sectionMin': section_min.tolist(), 'sectionMax': section_max.tolist(),
        'globalMin': global_min, 'globalMax': global_max,
        'slidingMin': sliding_min.tolist(), 'slidingMax': sliding_max.tolist(),
        'global': 'global.u8', 'sliding': 'sliding.u8', 'binned': 'binned.u16',
        'series': series.tolist(), 'savgol': savgol,
    }
    (OUT / 'manifest.json').write_text(json.dumps(manifest, indent=1) + '\n')
    print('global range', global_min, global_max, 'sections', section_min[:3], section_max[:3])


if __name__ == '__main__':
    main()

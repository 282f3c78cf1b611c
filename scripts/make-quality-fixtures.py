#!/usr/bin/python3
"""Make the fixtures for the quality metrics (shared/quality-metrics) with numpy.

Run with Debian's interpreter (numpy, tifffile and Pillow from bookworm packages):

    /usr/bin/python3 scripts/make-quality-fixtures.py

It reads real images already in the repository (test/fixtures/images, see ATTRIBUTION.md there),
makes noisy pairs of them with fixed seeds, and writes under test/fixtures/quality/:
- <case>.a.<ext>, <case>.b.<ext>: raw little-endian, row-major pixels (ext u8, u16 or f32),
  shape in the manifest, axis order (z,) y, x;
- manifest.json: for each case, numpy's answers for every metric, computed here from the
  definitions alone (no Met-db code), so that the TypeScript is checked against an independent
  computation:
  ncc       Pearson correlation (np.corrcoef) of the pixel values
  nsad      mean|a-b| / (mean m - min m), m = |a/2 + b/2| (FIB-SEM toolkit, Shtengel)
  mi        from np.histogram2d(a, b, bins): H(A) + H(B) - H(A,B) in nats, nmi = mi / H(A,B)
  snr       ncc / (1 - ncc) (Frank and Al-Ali 1975)
  frc       rings round(M * |f|) (halves up), f = np.fft.fftfreq per axis, M = min(shape),
            after subtracting each image's mean and multiplying by the separable window;
            np.fft.fftn in float64
  single    autocorrelation lags 1 and 2 along x, y and both (Thong et al. 2001)
The truth of each case (signal variance / noise variance) is written too, for orientation.
"""

import json
import platform
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / 'test' / 'fixtures' / 'images'
OUT = ROOT / 'test' / 'fixtures' / 'quality'
EXT = {'uint8': 'u8', 'uint16': 'u16', 'float32': 'f32'}


def tukey(n, alpha):
    """scipy.signal.windows.tukey(n, alpha), written out (symmetric)."""
    if alpha <= 0 or n <= 1:
        return np.ones(n)
    if alpha >= 1:
        return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))
    w = np.ones(n)
    width = int(np.floor(alpha * (n - 1) / 2.0))
    k = np.arange(0, width + 1)
    w[: width + 1] = 0.5 * (1 + np.cos(np.pi * (-1 + 2.0 * k / alpha / (n - 1))))
    k = np.arange(n - width - 1, n)
    w[n - width - 1:] = 0.5 * (1 + np.cos(np.pi * (-2.0 / alpha + 1 + 2.0 * k / alpha / (n - 1))))
    return w


def frc(a, b, window):
    shape = a.shape
    m = min(shape)
    w = np.ones(shape)
    if window is not None:
        for axis, n in enumerate(shape):
            profile = tukey(n, window).reshape([n if k == axis else 1 for k in range(len(shape))])
            w = w * profile
    fa = np.fft.fftn((a - a.mean()) * w)
    fb = np.fft.fftn((b - b.mean()) * w)
    # Signed frequency index k (np.fft.fftfreq(n) * n), scaled so that ring k sits at k / M.
    def scaled(n):
        k = np.arange(n)
        return np.where(k < (n + 1) // 2, k, k - n) * m / n

    grids = np.meshgrid(*[scaled(n) for n in shape], indexing='ij')
    radius = np.sqrt(sum(g * g for g in grids))
    ring = np.floor(radius + 0.5).astype(int).ravel()
    keep = ring <= m // 2
    ring = ring[keep]
    cross = np.bincount(ring, (fa * np.conj(fb)).real.ravel()[keep], minlength=m // 2 + 1)
    pa = np.bincount(ring, (np.abs(fa) ** 2).ravel()[keep], minlength=m // 2 + 1)
    pb = np.bincount(ring, (np.abs(fb) ** 2).ravel()[keep], minlength=m // 2 + 1)
    count = np.bincount(ring, minlength=m // 2 + 1)
    k = np.arange(1, m // 2 + 1)
    return {
        'frequency': (k / m).tolist(),
        'correlation': (cross[k] / np.sqrt(pa[k] * pb[k])).tolist(),
        'pixels': count[k].tolist(),
    }


def mutual_information(a, b, bins):
    joint = np.histogram2d(a.ravel(), b.ravel(), bins=bins)[0] / a.size

    def h(p):
        p = p[p > 0]
        return float(-np.sum(p * np.log(p)))

    ha, hb, hab = h(joint.sum(axis=1)), h(joint.sum(axis=0)), h(joint)
    return {'bins': bins, 'mi': ha + hb - hab, 'nmi': (ha + hb - hab) / hab}


def single_image_snr(img):
    v = img.astype(np.float64) - img.mean()
    sections = v.reshape((-1,) + v.shape[-2:])

    def lag(axis, k):
        if k == 0:
            return float(np.mean(sections * sections))
        if axis == 'x':
            return float(np.mean(sections[:, :, :-k] * sections[:, :, k:]))
        return float(np.mean(sections[:, :-k, :] * sections[:, k:, :]))

    a0 = lag('x', 0)
    ax = [a0, lag('x', 1), lag('x', 2)]
    ay = [a0, lag('y', 1), lag('y', 2)]
    both = [a0, (ax[1] + ay[1]) / 2, (ax[2] + ay[2]) / 2]
    out = {}
    for name, extrapolate in [
        ('nearest', lambda a1, a2: a1),
        ('linear', lambda a1, a2: 2 * a1 - a2),
        ('parabolic', lambda a1, a2: (4 * a1 - a2) / 3),
    ]:
        def snr(acf):
            s = extrapolate(acf[1], acf[2])
            return s / (acf[0] - s)
        out[name] = {'snr': snr(both), 'snrX': snr(ax), 'snrY': snr(ay)}
    return out


def metrics(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    ncc = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    m = np.abs(a / 2 + b / 2)
    return {
        'ncc': ncc,
        'nsad': float(np.mean(np.abs(a - b)) / (np.mean(m) - np.min(m))),
        'mi': [mutual_information(a, b, bins) for bins in (256, 2048)],
        'snr': ncc / (1 - ncc),
        'frc': {'none': frc(a, b, None), 'tukey0.25': frc(a, b, 0.25)},
        'single': {'a': single_image_snr(a), 'b': single_image_snr(b)},
    }


def write(case, name, array):
    path = OUT / f'{case}.{name}.{EXT[array.dtype.name]}'
    path.write_bytes(array.astype(array.dtype.newbyteorder('<')).tobytes())
    return {'file': path.name, 'dtype': array.dtype.name, 'shape': list(array.shape)}


def box_blur(image, size):
    """Mean over size x size (per section), edges repeated: a smooth signal from a real image."""
    pad = size // 2
    padded = np.pad(image, [(0, 0)] * (image.ndim - 2) + [(pad, pad), (pad, pad)], mode='edge')
    out = np.zeros(image.shape)
    for dy in range(size):
        for dx in range(size):
            out += padded[..., dy:dy + image.shape[-2], dx:dx + image.shape[-1]]
    return out / size / size


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    camera = np.asarray(Image.open(SOURCES / 'camera_crop.jpg').convert('L'), dtype=np.float64)
    cell = tifffile.imread(SOURCES / 'cell_u16.tif').astype(np.float64)
    em = tifffile.imread(SOURCES / 'em_float32_zyx.tif').astype(np.float64)

    cases = []

    def add(case, source, signal, sigma, dtype, seed, note):
        rng = np.random.default_rng(seed)
        a = signal + rng.normal(0, sigma, signal.shape)
        b = signal + rng.normal(0, sigma, signal.shape)
        if dtype != 'float32':
            info = np.iinfo(dtype)
            a = np.clip(np.rint(a), info.min, info.max)
            b = np.clip(np.rint(b), info.min, info.max)
        a = a.astype(dtype)
        b = b.astype(dtype)
        cases.append({
            'id': case, 'source': source, 'note': note,
            'a': write(case, 'a', a), 'b': write(case, 'b', b),
            'noise': {'kind': 'gaussian', 'sigma': sigma, 'seed': seed},
            'trueSnr': float(np.var(signal) / sigma ** 2),
            'numpy': metrics(a, b),
        })

    add('camera-128x128-u8', 'camera_crop.jpg', camera, 12.0, 'uint8', 1,
        'grey JPEG crop plus Gaussian noise, rounded and clipped to 8 bits')
    add('cell-120x150-u16', 'cell_u16.tif', box_blur(cell[200:320, 150:300], 3), 1500.0, 'uint16', 2,
        'non-square crop of the 16-bit cell, 3x3 mean (a smooth signal), plus Gaussian noise')
    add('em-8x48x40-f32', 'em_float32_zyx.tif', em, 0.5, 'float32', 3,
        'cryo-ET volume (float32) plus Gaussian noise: Fourier shell correlation')

    manifest = {
        'generator': 'scripts/make-quality-fixtures.py',
        'versions': {'python': platform.python_version(), 'numpy': np.__version__},
        'cases': cases,
    }
    (OUT / 'manifest.json').write_text(json.dumps(manifest, indent=1) + '\n')
    for c in cases:
        n = c['numpy']
        print(c['id'], 'ncc %.4f nsad %.4f nmi %.4f snr %.3f true %.3f single %.3f' % (
            n['ncc'], n['nsad'], n['mi'][1]['nmi'], n['snr'], c['trueSnr'],
            n['single']['a']['parabolic']['snr']))


if __name__ == '__main__':
    main()

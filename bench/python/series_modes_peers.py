"""The peers of bench/series-modes.bench.ts on the same frames: scikit-image's
phase_cross_correlation pair by pair, and a re-implementation of the image RCC of PYME's
cross-correlation drift plugin (kkhchung/cross-correlation-drift-correction,
cc_drift_cor/plugins/recipes/processing.py: RCCDriftCorrection), written here from its
description, not copied.

PYME's method, as that module does it: each frame median-filtered (3 px) and multiplied by a
Tukey window (0.25); its real FFT computed once; for every pair (i, j) at most `window` frames
apart the spectra are smoothed (ndimage.fourier_gaussian, sigma 0.5) and cross-correlated; the
peak is looked for in the central part of the correlation (6/16 of each side cut off), thresholded
at 75 % of its range, the largest connected region kept and dilated by 5 px, and its maximum found
by a multiquadric radial-basis interpolation (epsilon 1) and a minimiser; the pair's shift is that
peak minus the frame's autocorrelation peak. The unknowns are the frame-to-frame increments; the
pairs' shifts are solved by the pseudo-inverse, pairs with a residual over `shift_max` are dropped
(largest first) while the system stays full rank, solved again, and summed.

StackReg (Thevenaz et al. 1998, IEEE Trans. Image Process.) through pystackreg when it is
importable (PYTHONPATH; it is not a dependency): TRANSLATION mode, `register_stack` with reference
'previous' (each frame onto the one before, accumulated, ImageJ's StackReg) or 'first'. Its
matrices hold the content's displacement (tx, ty) relative to the reference in the last column.

argv: frames.f32 (raw float32, frames x height x width), frames, height, width, upsample factor,
window, methods (comma separated: skimage-reference, skimage-consecutive, pyme-rcc,
stackreg-previous, stackreg-first).
Prints one JSON line: per method, every frame's drift (content position minus frame 0's, y, x,
pixels) and its CPU seconds; a method whose library is not importable is left out and named in
"unavailable".
"""
import json
import sys
import time

import numpy as np
from scipy import interpolate, ndimage, optimize
from scipy.signal.windows import tukey
from skimage.registration import phase_cross_correlation

path, n, h, w, upsample, window, methods = sys.argv[1:8]
n, h, w, up, window = int(n), int(h), int(w), int(upsample), int(window)
frames = np.fromfile(path, dtype=np.float32).reshape(n, h, w).astype(np.float64)
out = {}


def timed(name, fn):
    start = time.process_time()
    drift = fn()
    out[name] = {"drift": [[float(v) for v in d] for d in drift], "cpuSeconds": time.process_time() - start}


def skimage_reference():
    # phase_cross_correlation returns the shift registering moving onto reference: minus the drift.
    return [np.zeros(2)] + [-phase_cross_correlation(frames[0], frames[k], upsample_factor=up)[0] for k in range(1, n)]


def skimage_consecutive():
    drift = [np.zeros(2)]
    for k in range(1, n):
        drift.append(drift[-1] - phase_cross_correlation(frames[k - 1], frames[k], upsample_factor=up)[0])
    return drift


def pyme_peak(ft_1, ft_2):
    """The cross-correlation peak of two spectra, PYME's way (threshold, region, RBF maximum)."""
    ft_1 = ndimage.fourier_gaussian(ft_1, 0.5)  # as PYME: no n, the half spectrum taken as a full one
    ft_2 = ndimage.fourier_gaussian(ft_2, 0.5)
    cc = np.abs(np.fft.ifftshift(np.fft.irfftn(ft_1 * np.conj(ft_2), s=(h, w))))
    central = np.zeros(cc.shape, dtype=bool)
    central[tuple(slice(d * 6 // 16, -(d * 6 // 16)) if d >= 16 else slice(None) for d in cc.shape)] = True
    values = cc[central]
    mask = central & (cc > np.ptp(values) * 0.75 + values.min())
    labels, count = ndimage.label(mask)
    if count > 1:
        sizes = ndimage.sum(mask, labels, range(1, count + 1))
        mask = labels == (np.argmax(sizes) + 1)
    mask = ndimage.binary_dilation(mask, structure=np.ones((5, 5)))
    ys, xs = np.nonzero(mask)
    y0, x0 = ys.min(), xs.min()
    sub = (cc * mask)[y0 : ys.max() + 1, x0 : xs.max() + 1]
    gy, gx = np.nonzero(sub > 0)
    vals = sub[gy, gx] / sub.max()
    rbf = interpolate.Rbf(gy, gx, vals, function="multiquadric", epsilon=1.0)
    start = np.unravel_index(np.argmax(sub), sub.shape)
    res = optimize.minimize(lambda p: -rbf(p[0], p[1]), np.array(start, dtype=float))
    return res.x + [y0, x0]


def pyme_rcc():
    shift_max = 5.0  # PYME's default, here in pixels
    tk = np.outer(tukey(h, 0.25), tukey(w, 0.25))
    spectra = [np.fft.rfftn(ndimage.median_filter(f, 3, mode="nearest") * tk) for f in frames]
    rows, shifts = [], []
    for i in range(n - 1):
        origin = pyme_peak(spectra[i], spectra[i])
        for j in range(i + 1, min(n, i + window + 1)):
            row = np.zeros(n - 1)
            row[i:j] = 1
            rows.append(row)
            # The peak of F_i conj(F_j) lies at (position in i) - (position in j): minus the drift i -> j.
            shifts.append(origin - pyme_peak(spectra[i], spectra[j]))
    coefs, shifts = np.array(rows), np.array(shifts)
    steps = np.linalg.pinv(coefs) @ shifts
    residual = np.linalg.norm(coefs @ steps - shifts, axis=1)
    order = np.argsort(-residual)
    for index in order[residual[order] > shift_max]:
        trial = coefs.copy()
        trial[index] = 0
        if np.linalg.matrix_rank(trial) < n - 1:
            break
        coefs = trial
    steps = np.linalg.pinv(coefs) @ shifts
    return np.vstack([np.zeros(2), np.cumsum(steps, axis=0)])


def stackreg(reference):
    def run():
        from pystackreg import StackReg

        tmats = StackReg(StackReg.TRANSLATION).register_stack(frames, reference=reference)
        return [[m[1, 2] - tmats[0][1, 2], m[0, 2] - tmats[0][0, 2]] for m in tmats]

    return run


peers = {
    "skimage-reference": skimage_reference,
    "skimage-consecutive": skimage_consecutive,
    "pyme-rcc": pyme_rcc,
    "stackreg-previous": stackreg("previous"),
    "stackreg-first": stackreg("first"),
}
unavailable = []
for method in methods.split(","):
    if method.startswith("stackreg-"):
        try:
            import pystackreg  # noqa: F401
        except ImportError:
            unavailable.append(method)
            continue
    timed(method, peers[method])
out["unavailable"] = unavailable
print(json.dumps(out))

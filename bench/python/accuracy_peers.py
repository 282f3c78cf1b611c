#!/usr/bin/python3
"""Registers the accuracy bench's pairs with the peers: scikit-image, OpenCV and ASHLAR's method.

Spawned by bench/accuracy.bench.ts, which writes each pair as raw float32 files and compares every
method's shift with the known one. Run it with Debian's interpreter (python3-skimage,
python3-opencv):

    /usr/bin/python3 bench/python/accuracy_peers.py request.json

Request: {"cases": [{"id": ..., "shape": [(z,) y, x], "reference": path, "moving": path}]},
little-endian float32, row-major. Response (stdout): {"available": true, "versions": {...},
"cases": [{"id": ..., "methods": {name: [shift...] | null}}]} where every shift registers moving
onto reference in scikit-image's convention, axis order (z,) y, x; null where a method does not
apply (OpenCV is 2D only) or raised. {"available": false, "reason": ...} without scikit-image.

The methods:
- skimage u{1,10,100} {phase,none}[ hann]: `phase_cross_correlation(ref, mov, upsample_factor=u,
  normalization="phase" | None)`, with " hann" on `ref * window("hann")` and `mov * window(...)`
  (scikit-image's documented way of windowing).
- opencv[ hann]: `cv2.phaseCorrelate(ref, mov[, createHanningWindow])`, its (dx, dy) as [-dy, -dx].
- ashlar s{0,1}: ASHLAR's `utils.register` (labsyspharm/ashlar): whitening by a Laplacian (sigma
  0, ASHLAR's default) or a Laplacian of Gaussian (sigma 1), a Hann window, `phase_cross_correlation`
  with normalization None and upsample 10, then of the 2^d periodic aliases of the shift the one
  with the largest direct correlation of the windowed images (`scipy.ndimage.shift`, order 0).
  ASHLAR is 2D; here the same steps run in N-D (the Laplacian over every axis).
"""

import itertools
import json
import os
import platform
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"


def emit(doc, status=0):
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(status)


try:
    import numpy as np
    import scipy
    import scipy.ndimage as ndi
    import skimage
    from skimage.filters import window
    from skimage.registration import phase_cross_correlation
except Exception as exc:
    emit({"available": False, "reason": f"scikit-image unavailable: {type(exc).__name__}: {exc}"})

try:
    import cv2

    cv2.setNumThreads(1)
except Exception:
    cv2 = None

# ASHLAR's 2D whitening kernel: skimage.restoration.uft.laplacian(2, (3, 3))[1].
LAPLACE_2D = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=np.float32)


def read(path, shape):
    return np.fromfile(path, dtype="<f4").reshape(shape)


def whiten(img, sigma):
    img = img.astype(np.float32)
    if sigma == 0:
        return ndi.convolve(img, LAPLACE_2D) if img.ndim == 2 else -ndi.laplace(img)
    return ndi.gaussian_laplace(img, sigma)


def hann(shape):
    out = np.ones(shape, dtype=np.float32)
    for axis, n in enumerate(shape):
        view = [1] * len(shape)
        view[axis] = n
        out = out * np.hanning(n).astype(np.float32).reshape(view)
    return out


def ashlar_register(ref, mov, sigma, upsample=10):
    w = hann(ref.shape)
    a = whiten(ref, sigma) * w
    b = whiten(mov, sigma) * w
    shift, _, _ = phase_cross_correlation(a, b, upsample_factor=upsample, normalization=None)
    shape = np.array(ref.shape)
    pos = (shift + shape) % shape
    neg = pos - shape
    candidates = list(itertools.product(*zip(pos, neg)))
    scores = [np.abs(np.sum(a * ndi.shift(b, s, order=0))) for s in candidates]
    return [float(s) for s in candidates[int(np.argmax(scores))]]


def methods(ref, mov):
    out = {}
    win = window("hann", ref.shape)
    for label, (a, b) in (("", (ref, mov)), (" hann", (ref * win, mov * win))):
        for u in (1, 10, 100):
            for norm in ("phase", None):
                name = f"skimage u{u} {norm or 'none'}{label}"
                shift, _, _ = phase_cross_correlation(a, b, upsample_factor=u, normalization=norm)
                out[name] = [float(s) for s in shift]
    if cv2 is not None and ref.ndim == 2:
        a = np.ascontiguousarray(ref, dtype=np.float64)
        b = np.ascontiguousarray(mov, dtype=np.float64)
        (dx, dy), _ = cv2.phaseCorrelate(a.copy(), b.copy())
        out["opencv"] = [-float(dy), -float(dx)]
        w = cv2.createHanningWindow((ref.shape[1], ref.shape[0]), cv2.CV_64F)
        (dx, dy), _ = cv2.phaseCorrelate(a.copy(), b.copy(), w)
        out["opencv hann"] = [-float(dy), -float(dx)]
    for sigma in (0, 1):
        out[f"ashlar s{sigma}"] = ashlar_register(ref, mov, sigma)
    return out


def main():
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            request = json.load(f)
    except Exception as exc:
        emit({"available": False, "reason": f"bad request: {type(exc).__name__}: {exc}"}, 2)
    results = []
    for case in request["cases"]:
        print(f"peers: {case['id']}", file=sys.stderr)
        try:
            ref = read(case["reference"], case["shape"])
            mov = read(case["moving"], case["shape"])
            results.append({"id": case["id"], "methods": methods(ref, mov)})
        except Exception as exc:  # one bad case does not sink the others
            results.append({"id": case["id"], "error": f"{type(exc).__name__}: {exc}"})
    emit({
        "available": True,
        "versions": {
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "skimage": skimage.__version__, "opencv": None if cv2 is None else cv2.__version__,
        },
        "cases": results,
    })


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Time scikit-image's phase_cross_correlation and OpenCV's phaseCorrelate on the bench's arrays.

Spawned by the TypeScript benchmark so that both sides time the same pixels in the same run.
Run it with Debian's interpreter (python3-skimage, python3-opencv):

    /usr/bin/python3 bench/python/time_registration.py request.json
    /usr/bin/python3 bench/python/time_registration.py '{"cases": [...]}'
    /usr/bin/python3 bench/python/time_registration.py < request.json

Request (JSON):
    {
      "repeats": 5,                 # timed runs per measurement (default 5), after one warm-up run
      "upsampleFactors": [1, 100],  # default [1, 100]
      "cases": [{
        "id": "2d-2048",
        "dtype": "float32",         # uint8 | uint16 | float32 | float64 (raw little-endian, row-major)
        "shape": [2048, 2048],      # axis order (z,) y, x
        "reference": "/tmp/ref.f32",
        "moving": "/tmp/mov.f32"
      }]
    }

Response (JSON on stdout, one document; diagnostics go to stderr):
    {
      "available": true,
      "versions": {"python": ..., "numpy": ..., "scipy": ..., "skimage": ..., "opencv": ... | null},
      "threads": 1,
      "opencv": {"available": true} | {"available": false, "reason": "..."},
      "cases": [{
        "id": ..., "shape": [...], "dtype": ...,
        "skimage": [{"upsampleFactor": 1, "medianMs": ..., "minMs": ..., "repeats": 5,
                     "shift": [...], "error": ... | null, "phasediff": ...}],
        "opencv": {"medianMs": ..., "minMs": ..., "repeats": 5, "inputDtype": "float64",
                   "shift": [y, x], "response": ...} | null
      }]
    }
A case that cannot be read or timed is {"id": ..., "error": "..."} in "cases".
Or, when numpy/scipy/scikit-image cannot be imported or the request is unreadable:
    {"available": false, "reason": "..."}   (exit status 0 for a missing library, 2 for a bad request)

What is timed:
- scikit-image: `phase_cross_correlation(reference, moving, upsample_factor=u, normalization="phase")`
  on the arrays as read (its forward FFTs included; uint images are FFT'd in complex128, float32 in
  complex64, as scikit-image does). `shift` registers moving onto reference, axis order (z,) y, x.
- OpenCV: `cv2.phaseCorrelate(reference, moving)` without a window, 2D only, on float64 copies
  (float32 copies when the input is float32); the conversion is done before timing. OpenCV pads to
  getOptimalDFTSize and refines with a 5x5 weighted centroid, so its shifts are not expected to
  equal scikit-image's. Its (dx, dy) is reported as `shift` in scikit-image's convention:
  [-dy, -dx], i.e. the shift that registers moving onto reference (checked on a known shift).
Everything runs on one thread: OMP/OpenBLAS/MKL thread counts are set to 1 before numpy is
imported, scipy.fft uses one worker by default, and cv2.setNumThreads(1).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402


def emit(doc: dict, status: int = 0) -> None:
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(status)


try:
    import numpy as np
    import scipy
    import skimage
    from skimage.registration import phase_cross_correlation
except Exception as exc:  # ImportError, or a broken install
    emit({"available": False, "reason": f"scikit-image unavailable: {type(exc).__name__}: {exc}"})

try:
    import cv2

    cv2.setNumThreads(1)
    OPENCV = {"available": True}
except Exception as exc:
    cv2 = None
    OPENCV = {"available": False, "reason": f"opencv unavailable: {type(exc).__name__}: {exc}"}

DTYPES = {"uint8": "<u1", "uint16": "<u2", "float32": "<f4", "float64": "<f8"}


def read_request() -> dict:
    arg = sys.argv[1] if len(sys.argv) > 1 else None
    if arg is None or arg == "-":
        text = sys.stdin.read()
    elif arg.lstrip().startswith("{"):
        text = arg
    else:
        with open(arg, encoding="utf-8") as f:
            text = f.read()
    return json.loads(text)


def read_raw(path: str, dtype: str, shape) -> "np.ndarray":
    data = np.fromfile(path, dtype=DTYPES[dtype])
    expected = int(np.prod(shape))
    if data.size != expected:
        raise ValueError(f"{path}: {data.size} elements, shape {shape} needs {expected}")
    return data.reshape(shape).astype(dtype, copy=False)


def timed(fn, repeats: int):
    fn()  # warm-up: imports, scipy.fft caches, OpenCV DFT plans
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(min(times)), out


def time_case(case: dict, repeats: int, upsample_factors) -> dict:
    ref = read_raw(case["reference"], case["dtype"], case["shape"])
    mov = read_raw(case["moving"], case["dtype"], case["shape"])
    out = {"id": case.get("id"), "shape": list(ref.shape), "dtype": case["dtype"], "skimage": [], "opencv": None}
    for u in upsample_factors:
        median, best, (shift, error, phasediff) = timed(
            lambda: phase_cross_correlation(ref, mov, upsample_factor=u, normalization="phase"), repeats
        )
        out["skimage"].append({
            "upsampleFactor": u, "medianMs": median, "minMs": best, "repeats": repeats,
            "shift": [float(s) for s in shift],
            "error": None if np.isnan(error) else float(error), "phasediff": float(phasediff),
        })
    if cv2 is not None and ref.ndim == 2:
        kind = np.float32 if ref.dtype == np.float32 else np.float64
        a, b = np.ascontiguousarray(ref, dtype=kind), np.ascontiguousarray(mov, dtype=kind)
        median, best, ((dx, dy), response) = timed(lambda: cv2.phaseCorrelate(a, b), repeats)
        out["opencv"] = {
            "medianMs": median, "minMs": best, "repeats": repeats, "inputDtype": np.dtype(kind).name,
            "shift": [-float(dy), -float(dx)], "response": float(response),
        }
    return out


def main() -> None:
    try:
        request = read_request()
        cases = request["cases"]
        repeats = int(request.get("repeats", 5))
        upsample_factors = [int(u) for u in request.get("upsampleFactors", [1, 100])]
    except Exception as exc:
        emit({"available": False, "reason": f"bad request: {type(exc).__name__}: {exc}"}, 2)
    results = []
    for case in cases:
        print(f"timing {case.get('id')} {case.get('shape')}", file=sys.stderr)
        try:
            results.append(time_case(case, repeats, upsample_factors))
        except Exception as exc:  # one unreadable case does not sink the others
            results.append({"id": case.get("id"), "error": f"{type(exc).__name__}: {exc}"})
    emit({
        "available": True,
        "versions": {
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "skimage": skimage.__version__, "opencv": cv2.__version__ if cv2 is not None else None,
        },
        "threads": 1,
        "opencv": OPENCV,
        "cases": results,
    })


if __name__ == "__main__":
    main()

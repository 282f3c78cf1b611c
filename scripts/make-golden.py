#!/usr/bin/python3
"""Make the golden fixtures for phaseCrossCorrelation from scikit-image.

Run with Debian's interpreter (it has python3-skimage, scipy and tifffile):

    /usr/bin/python3 scripts/make-golden.py                  # rebuild fixtures from the bundled sources
    /usr/bin/python3 scripts/make-golden.py --refresh-sources ../shared/data   # re-crop the sources first

Made with: Python 3.11, numpy 1.24.2, scipy 1.10.1, scikit-image 0.19.3, tifffile 2023.2.3
(Debian bookworm packages). The versions of the run are also written to manifest.json.
The output is deterministic for fixed library versions (every case has its own fixed seed).

What it writes, under test/fixtures/golden/:
- sources/*.tif: small crops of real images from ../shared/data (see sources/ATTRIBUTION.md), so
  that the fixtures can be rebuilt from the repository alone.
- <case>.reference.<ext> and <case>.moving.<ext>: raw little-endian, row-major (C order) pixels,
  ext one of u8, u16, f32, f64; the shape is in the manifest, axis order (z,) y, x.
- manifest.json: the cases and, for each, scikit-image's result for upsample_factor 1, 10 and
  100 and normalization "phase" and None (written "none").

How a pair is made (realistic borders, not circular ones):
1. Take a canvas from a source crop: the wanted window plus a margin on each side.
2. Shift the canvas by a known `appliedShift` (pixels, axis order (z,) y, x) with either
   scipy.ndimage.fourier_shift (subpixel, periodic over the canvas; the wrap-around stays in the
   margin) or scipy.ndimage.shift(order=3, mode="nearest"), or by integer slicing.
3. Crop the same window from the unshifted canvas (reference) and the shifted one (moving), so
   content enters and leaves at the borders.
4. Add independent noise to both (Poisson for integer images, Gaussian for float ones) with a
   fixed seed, round and clip to the dtype.

Sign convention: moving(x) = reference(x - appliedShift), so the ideal answer of
phase_cross_correlation(reference, moving) is `trueShift = -appliedShift` (the shift that
registers moving onto reference). scikit-image's actual answers are in `results`.

Space "fourier": the stored images are real; the TypeScript test is expected to FFT them itself
(full complex N-D DFT, no normalization) and call with space 'fourier'. Here scikit-image gets
scipy.fft.fftn(reference) and scipy.fft.fftn(moving) with space="fourier".

Precision: scikit-image FFTs integer and float64 images in complex128 and float32 images in
complex64 (scipy.fft keeps single precision), so float32 cases are computed in single precision.

`peakMargin` in each result is (|CC|max - |CC|second) / |CC|max over the grid where the peak was
taken (the coarse cross-correlation at upsample 1, the upsampled region otherwise), recomputed
the way scikit-image does. A tiny margin means a near tie, where a correct implementation in
another precision could pick the neighbouring grid point (one 1/upsample step away). The script
fails if any margin is below MIN_MARGIN, so committed cases have no near ties. It also fails if a
float32 case gives a different shift when its pixels are cast to float64, so an implementation
that computes in double precision can match every case.
"""

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np
import scipy
import skimage
import tifffile
from scipy import ndimage as ndi
from scipy.fft import fftn, ifftn
from skimage.registration import phase_cross_correlation
from skimage.registration._phase_cross_correlation import _upsampled_dft

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "golden"
SOURCES = OUT / "sources"
# Smallest peakMargin accepted, by the precision scikit-image computed in.
MIN_MARGIN = {"complex128": 1e-9, "complex64": 1e-7}
EXT = {"uint8": "u8", "uint16": "u16", "float32": "f32", "float64": "f64"}

# Source crops: name -> (path under shared/data, how to reduce it, crop slices).
SOURCE_CROPS = {
    "camera_crop.tif": ("camera.png", "gray", np.s_[100:400, 120:420]),
    "ihc_green_crop.tif": ("ihc.png", "green", np.s_[200:360, 150:310]),
    "bbbc022_ch2_crop.tif": ("bbbc022_multichannel/IXMtest_A02_s9.tif", "ch2", np.s_[100:280, 200:400]),
    "cell_u16_crop.tif": ("cell_u16.tif", "none", np.s_[180:470, 160:390]),
    "aics_brightfield_crop.tif": ("aics_ometiff_2d/s_1_t_1_c_1_z_1.tiff", "none", np.s_[100:230, 150:320]),
    "em13pf_crop.tif": ("em_cryoet_cylindra/13pf_MT.tif", "none", np.s_[:, 60:156, :]),
    "psf_bead_crop.tif": ("pycudadecon_bead_psf/psf.tif", "none", np.s_[16:44, 40:102, 31:97]),
    "beads3d_crop.tif": ("bian_beads3d/Bead_Image1_crop.tif", "none", np.s_[7:39, 4:70, 84:150]),
}

# Each case: source crop, window origin and shape inside it, margin of the canvas, applied shift,
# shift method, output dtype, noise, space, seed.
CASES = [
    dict(id="camera-256x256-u8-subpixel", source="camera_crop.tif", origin=(22, 22), shape=(256, 256),
         margin=20, shift=(3.37, -5.81), method="fourier", dtype="uint8", noise=("poisson", 4.0)),
    dict(id="camera-128x128-f32-integer", source="camera_crop.tif", origin=(150, 40), shape=(128, 128),
         margin=12, shift=(7, -4), method="integer", dtype="float32", noise=("gaussian", 0.02), scale=1 / 255),
    dict(id="bbbc022-120x150-u16-spline", source="bbbc022_ch2_crop.tif", origin=(15, 12), shape=(120, 150),
         margin=12, shift=(-2.62, 4.17), method="spline3", dtype="uint16", noise=("poisson", 1.0)),
    dict(id="bbbc022-97x131-u16-subpixel", source="bbbc022_ch2_crop.tif", origin=(70, 55), shape=(97, 131),
         margin=10, shift=(5.28, -1.23), method="fourier", dtype="uint16", noise=("poisson", 1.0)),
    dict(id="cell-250x190-u16-subpixel", source="cell_u16_crop.tif", origin=(20, 20), shape=(250, 190),
         margin=18, shift=(-8.31, 11.72), method="fourier", dtype="uint16", noise=("poisson", 0.05)),
    dict(id="aics-100x140-f64-subpixel", source="aics_brightfield_crop.tif", origin=(15, 15), shape=(100, 140),
         margin=12, shift=(2.81, 3.36), method="fourier", dtype="float64", noise=("gaussian", 15.0)),
    dict(id="ihc-128x128-u8-fourier-space", source="ihc_green_crop.tif", origin=(16, 16), shape=(128, 128),
         margin=14, shift=(2.21, -3.68), method="fourier", dtype="uint8", noise=("poisson", 2.0), space="fourier"),
    dict(id="em13pf-32x64x64-u8-subpixel", source="em13pf_crop.tif", origin=(2, 16, 15), shape=(32, 64, 64),
         margin=(2, 12, 12), shift=(1.31, -2.64, 3.82), method="fourier", dtype="uint8", noise=("poisson", 2.0)),
    dict(id="psf-20x45x50-u16-subpixel", source="psf_bead_crop.tif", origin=(4, 8, 8), shape=(20, 45, 50),
         margin=(3, 6, 6), shift=(-1.72, 2.41, -3.23), method="fourier", dtype="uint16", noise=("poisson", 1.0)),
    dict(id="beads3d-24x48x48-u8-integer", source="beads3d_crop.tif", origin=(4, 9, 9), shape=(24, 48, 48),
         margin=(3, 7, 7), shift=(2, -3, 5), method="integer", dtype="uint8", noise=("poisson", 4.0)),
]


def refresh_sources(data_dir: Path) -> None:
    """Crop the real images from the shared data folder into sources/ (zlib-compressed TIFF)."""
    import cv2

    SOURCES.mkdir(parents=True, exist_ok=True)
    for name, (rel, reduce, sl) in SOURCE_CROPS.items():
        path = data_dir / rel
        if path.suffix == ".png":
            img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if reduce == "green":
                img = img[..., 1]  # OpenCV is BGR; green is index 1 either way
            elif img.ndim == 3:
                img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        else:
            img = tifffile.imread(path)
            if reduce == "ch2":
                img = img[2]
        crop = np.ascontiguousarray(img[sl])
        tifffile.imwrite(SOURCES / name, crop, compression="zlib")
        print(f"source {name}: {crop.shape} {crop.dtype} from {rel}", file=sys.stderr)


def shifted_pair(canvas: np.ndarray, shift, method: str):
    if method == "fourier":
        moved = ifftn(ndi.fourier_shift(fftn(canvas), shift)).real
    elif method == "spline3":
        moved = ndi.shift(canvas, shift, order=3, mode="nearest")
    elif method == "integer":
        moved = ndi.shift(canvas, [int(s) for s in shift], order=0, mode="nearest")
    else:
        raise ValueError(method)
    return canvas, moved


def add_noise(img: np.ndarray, noise, rng: np.random.Generator) -> np.ndarray:
    kind, p = noise
    if kind == "poisson":  # p: photons per grey level
        return rng.poisson(np.clip(img, 0, None) * p) / p
    return img + rng.normal(0.0, p, img.shape)  # p: standard deviation in grey levels


def to_dtype(img: np.ndarray, dtype: str) -> np.ndarray:
    if dtype in ("uint8", "uint16"):
        info = np.iinfo(dtype)
        return np.clip(np.rint(img), info.min, info.max).astype(dtype)
    return img.astype(dtype)


def make_pair(case: dict, index: int):
    src = tifffile.imread(SOURCES / case["source"]).astype(np.float64) * case.get("scale", 1.0)
    ndim = len(case["shape"])
    margin = case["margin"] if isinstance(case["margin"], tuple) else (case["margin"],) * ndim
    canvas_sl = tuple(slice(o - m, o + s + m) for o, s, m in zip(case["origin"], case["shape"], margin))
    canvas = src[canvas_sl]
    assert canvas.shape == tuple(s + 2 * m for s, m in zip(case["shape"], margin)), (case["id"], canvas.shape)
    ref, mov = shifted_pair(canvas, case["shift"], case["method"])
    window = tuple(slice(m, m + s) for m, s in zip(margin, case["shape"]))
    rng = np.random.default_rng(20240 + index)
    ref = to_dtype(add_noise(ref[window], case["noise"], rng), case["dtype"])
    mov = to_dtype(add_noise(mov[window], case["noise"], rng), case["dtype"])
    return ref, mov


def peak_margin(src_freq, target_freq, upsample: int, normalization) -> float:
    """Relative gap between the two largest |CC| on the grid where scikit-image takes its peak.

    Recomputes the cross-correlation the way scikit-image 0.19.3 does (same dtype, same steps).
    """
    product = src_freq * target_freq.conj()
    if normalization == "phase":
        eps = np.finfo(product.real.dtype).eps
        product /= np.maximum(np.abs(product), 100 * eps)
    cc = np.abs(ifftn(product))
    if upsample > 1:
        peak = np.array(np.unravel_index(np.argmax(cc), cc.shape), dtype=product.real.dtype)
        shape = np.array(cc.shape)
        midpoints = np.fix(shape / 2)
        peak[peak > midpoints] -= shape[peak > midpoints]
        region = np.ceil(upsample * 1.5)
        offset = np.fix(region / 2.0) - peak * upsample
        cc = np.abs(_upsampled_dft(product.conj(), region, upsample, offset).conj())
    top2 = np.partition(cc.ravel(), -2)[-2:]
    return float((top2[1] - top2[0]) / top2[1]) if top2[1] > 0 else 0.0


def register(ref: np.ndarray, mov: np.ndarray, space: str) -> list:
    fa, fb = fftn(ref), fftn(mov)
    a, b = (fa, fb) if space == "fourier" else (ref, mov)
    results = []
    for upsample in (1, 10, 100):
        for normalization in ("phase", None):
            shift, error, phasediff = phase_cross_correlation(
                a, b, upsample_factor=upsample, space=space, normalization=normalization, return_error=True
            )
            margin = peak_margin(fa, fb, upsample, normalization)
            results.append(
                dict(
                    upsampleFactor=upsample,
                    normalization="phase" if normalization == "phase" else "none",
                    shift=[float(s) for s in shift],
                    error=None if np.isnan(error) else float(error),
                    phasediff=float(phasediff),
                    peakMargin=margin,
                )
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh-sources", metavar="DATA_DIR", type=Path,
                        help="re-crop the sources from this shared data folder first")
    args = parser.parse_args()
    if args.refresh_sources:
        refresh_sources(args.refresh_sources)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest_cases = []
    near_ties = []
    for index, case in enumerate(CASES):
        ref, mov = make_pair(case, index)
        space = case.get("space", "real")
        files = {}
        for role, img in (("reference", ref), ("moving", mov)):
            name = f"{case['id']}.{role}.{EXT[img.dtype.name]}"
            img.astype(img.dtype.newbyteorder("<"), copy=False).tofile(OUT / name)
            files[role] = dict(file=name, dtype=img.dtype.name, shape=list(img.shape))
        results = register(ref, mov, space)
        fft_dtype = fftn(ref).dtype.name
        near_ties += [(case["id"], r) for r in results if r["peakMargin"] < MIN_MARGIN[fft_dtype]]
        if fft_dtype != "complex128":
            in_double = register(ref.astype(np.float64), mov.astype(np.float64), space)
            near_ties += [(case["id"], r) for r, d in zip(results, in_double)
                          if not np.allclose(r["shift"], d["shift"], rtol=0, atol=1e-6)]
        manifest_cases.append(
            dict(
                id=case["id"],
                source=f"sources/{case['source']}",
                reference=files["reference"],
                moving=files["moving"],
                appliedShift=[float(s) for s in case["shift"]],
                trueShift=[float(-s) + 0.0 for s in case["shift"]],
                shiftMethod=case["method"],
                noise=dict(kind=case["noise"][0], parameter=case["noise"][1], seed=20240 + index),
                space=space,
                skimageFftDtype=fft_dtype,
                results=results,
            )
        )
        best = results[-2]["shift"]
        print(f"{case['id']}: true {[-s for s in case['shift']]} skimage(100, phase) {best}", file=sys.stderr)
    manifest = dict(
        generator="scripts/make-golden.py",
        versions=dict(python=platform.python_version(), numpy=np.__version__, scipy=scipy.__version__,
                      skimage=skimage.__version__, tifffile=tifffile.__version__),
        conventions=("Raw files are little-endian, row-major, axis order (z,) y, x. moving(x) = reference(x - "
                     "appliedShift); trueShift = -appliedShift. results[].shift is "
                     "skimage.registration.phase_cross_correlation(reference, moving, upsample_factor, space, "
                     "normalization)[0]; error and phasediff are its [1] and [2] (error null if NaN)."),
        cases=manifest_cases,
    )
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if near_ties:
        for cid, r in near_ties:
            print(f"NEAR TIE in {cid}: {r}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

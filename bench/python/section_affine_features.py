#!/usr/bin/python3
"""Feature-based section-to-section affine (the FIB-SEM toolkit's way), for bench/section-affine.

    /usr/bin/python3 bench/python/section_affine_features.py reference.f32 moving.f32 HEIGHT WIDTH

Reads two float32 sections (row-major, HEIGHT x WIDTH), maps each to 8 bits between its 0.1 and
99.9 percentiles, and for ORB and SIFT (OpenCV, one thread; at most 5000 keypoints each, as the
toolkit caps them): keypoints and descriptors, matching (ORB brute force, SIFT FLANN as the toolkit)
with Lowe's ratio test (0.75), then cv2.estimateAffine2D with RANSAC (reprojection
threshold 1 px, then the inliers refined by least squares). Prints one JSON line: per method the
2x3 matrix (moving -> reference, x y pixels), matches, inliers and the seconds taken (detection,
matching and fit; the 8-bit conversion excluded), wall clock and CPU.
"""
import json
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
ref_path, mov_path, height, width = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def eight_bit(path):
    a = np.fromfile(path, dtype=np.float32).reshape(height, width)
    lo, hi = np.percentile(a, [0.1, 99.9])
    return np.clip((a - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


reference, moving = eight_bit(ref_path), eight_bit(mov_path)
flann = dict(algorithm=1, trees=5)  # FLANN_INDEX_KDTREE, the toolkit's default matcher
methods = {
    "orb": (lambda: cv2.ORB_create(nfeatures=5000), lambda: cv2.BFMatcher(cv2.NORM_HAMMING)),
    "sift": (lambda: cv2.SIFT_create(nfeatures=5000), lambda: cv2.FlannBasedMatcher(flann, dict(checks=50))),
}
out = {}
for name, (make, matcher) in methods.items():
    start, cpu = time.perf_counter(), time.process_time()
    detector = make()
    kr, dr = detector.detectAndCompute(reference, None)
    km, dm = detector.detectAndCompute(moving, None)
    pairs = matcher().knnMatch(dm, dr, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    src = np.float32([km[m.queryIdx].pt for m in good])
    dst = np.float32([kr[m.trainIdx].pt for m in good])
    matrix, inliers = (None, None)
    if len(good) >= 3:
        matrix, inliers = cv2.estimateAffine2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0, maxIters=5000, refineIters=10
        )
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    out[name] = {
        "matrix": None if matrix is None else matrix.tolist(),
        "keypoints": [len(kr), len(km)],
        "matches": len(good),
        "inliers": 0 if inliers is None else int(inliers.sum()),
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
    }
out["opencv"] = cv2.__version__
print(json.dumps(out))

"""scikit-image's phase_cross_correlation on the frames of bench/series.bench.ts, pair by pair.

argv: frames.f32 (raw float32, frames x height x width), frames, height, width, pairs.json
(the [i, j] pairs to time), upsample factor. Prints one JSON line: the CPU seconds per pair over
the timed pairs, and every frame's shift onto frame 0 (the pair-by-pair answer).
"""
import json
import sys
import time

import numpy as np
from skimage.registration import phase_cross_correlation

path, n, h, w, pairs_path, upsample = sys.argv[1:7]
frames = np.fromfile(path, dtype=np.float32).reshape(int(n), int(h), int(w)).astype(np.float64)
pairs = json.load(open(pairs_path))
up = int(upsample)

start = time.process_time()
for i, j in pairs:
    phase_cross_correlation(frames[i], frames[j], upsample_factor=up)
per_pair = (time.process_time() - start) / max(1, len(pairs))

onto0 = [[0.0, 0.0]]
for k in range(1, len(frames)):
    shift = phase_cross_correlation(frames[0], frames[k], upsample_factor=up)[0]
    onto0.append([float(s) for s in shift])
print(json.dumps({"perPairSeconds": per_pair, "pairs": len(pairs), "onto0": onto0}))

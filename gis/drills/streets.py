"""A seeded synthetic street grid for the benchmarks of the planners (presence visits, walks)."""

from __future__ import annotations

import numpy as np


def grid(segments: int, rng):
    """A grid of about ``segments`` street segments: node coordinates (metres, n × 2) and each
    segment's node ids ``u``, ``v``. Blocks of 80-120 m (nodes jittered by up to 10 m), a few
    blocks joined (3 % of the segments left out)."""
    side = int(np.ceil(np.sqrt(segments / 2 / 0.97))) + 1
    jitter = rng.uniform(-10, 10, size=(side, side, 2))
    xy = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1) * 100.0
    xy = (xy + jitter).reshape(-1, 2)
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:-1, :].ravel(), ids[:, :-1].ravel()])
    v = np.concatenate([ids[1:, :].ravel(), ids[:, 1:].ravel()])
    keep = rng.random(len(u)) > 0.03  # a few blocks joined
    return xy, u[keep][:segments], v[keep][:segments]

"""What a pose estimator returns for one frame (no mediapipe import, so replay works without it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PoseResult:
    """The model's answer for one frame; ``image`` is None when nobody was found."""

    time_ms: float
    image: np.ndarray | None = None  # (33, 3) normalised x, y, relative z
    world: np.ndarray | None = None  # (33, 3) metres, origin between the hips
    visibility: np.ndarray | None = None  # (33,)
    presence: np.ndarray | None = None  # (33,)
    num_people: int = 0  # people seen in the frame (latest people check when tracking)
    # (H, W) float32 0..1, the tracked person's silhouette. Read-only: it is MediaPipe's own
    # buffer (kept alive by the array), not a copy; copy it before writing to it.
    mask: np.ndarray | None = None

    @property
    def found(self) -> bool:
        return self.image is not None

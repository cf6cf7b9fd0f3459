"""Public plank keypoint tables (label + 17 MediaPipe landmarks per row) as PoseSeries.

The tables hold one labelled pose per row: ``label`` then ``<name>_x, _y, _z, _v`` for nose,
shoulders, elbows, wrists, hips, knees, ankles, heels and foot_index (normalised image
coordinates, MediaPipe's relative depth, visibility). Labels are ``C`` (correct), ``H`` (high
hips: piked), ``L`` (low hips: sagging), or ``0`` / ``1`` (good / bad, fault type not stated).

Rows are independent frames: stills and video frames mixed, with no time axis and no video id.
:func:`read_plank_table` puts all rows of a file into ONE :class:`PoseSeries` whose time axis is
nominal (``1000 / NOMINAL_FPS`` ms apart) so that the vectorised feature code can run on it; it
must be judged frame by frame (:func:`formcheck.exercises.plank.session.classify_plank_frames`), never by the
temporal session, which would take unrelated rows for a continuous hold.

The frame size is unknown, and it matters: features are measured in pixels, and a plank is a
long horizontal body whose faults are small vertical offsets, so squeezing x against y scales
the hip angle almost proportionally. :data:`DEFAULT_FRAME_SIZE` is 16:9 landscape (1920x1080),
chosen because (a) the sources are phone/YouTube videos filmed side-on in landscape, the only
sensible way to film a plank, and (b) the body's own proportions agree: in a forearm plank the
upper arm is vertical and the forearm horizontal, and their anthropometric length ratio (forearm
~0.78 x upper arm, Drillis & Contini) is met in these tables at an aspect of ~1.7-1.8.
:func:`estimate_aspect` gives that per-row estimate so a benchmark can report it.

The source projects mirrored every image before running the model (``cv2.flip(image, 1)``).
Features use label-free midpoints and facing-signed angles, so a mirrored pose gives the same
verdicts; ``unmirror=True`` flips x back and swaps the left/right labels anyway, for anyone who
wants the poses as the camera saw them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import InputError
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

DEFAULT_FRAME_SIZE = (1920, 1080)
NOMINAL_FPS = 30.0
# Forearm (elbow->wrist) over upper arm (shoulder->elbow) length: 0.146 / 0.186 of body height
# (Drillis & Contini segment ratios). Used only by estimate_aspect.
FOREARM_TO_UPPER_ARM = 0.78

# Label spellings -> the benchmark's classes.
HIP_LABELS = {"C": "C", "H": "H", "L": "L"}
BINARY_LABELS = {"0": "good", "1": "bad", "0.0": "good", "1.0": "bad"}

# The 17 landmarks some public plank datasets keep (nose, shoulders to feet, no face or hands).
PLANK_DATASET_17 = (
    Landmark.NOSE,
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_ELBOW,
    Landmark.RIGHT_ELBOW,
    Landmark.LEFT_WRIST,
    Landmark.RIGHT_WRIST,
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE,
    Landmark.RIGHT_ANKLE,
    Landmark.LEFT_HEEL,
    Landmark.RIGHT_HEEL,
    Landmark.LEFT_FOOT_INDEX,
    Landmark.RIGHT_FOOT_INDEX,
)


def _column_name(landmark: Landmark) -> str:
    return landmark.name.lower()


@dataclass
class PlankTable:
    """One keypoint table: the rows as a series, and their labels.

    ``labels`` (N,) holds ``"C"``/``"H"``/``"L"`` for hip-labelled files and ``"good"``/``"bad"``
    for 0/1 files; ``kind`` is ``"hip"`` or ``"binary"`` accordingly. ``series`` has N frames on
    a nominal time axis (see the module docstring); landmarks the table lacks are NaN.
    """

    path: Path
    labels: np.ndarray
    kind: str
    series: PoseSeries

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def _parse_label(raw: str, path: Path, row: int) -> tuple[str, str]:
    text = raw.strip()
    if text.upper() in HIP_LABELS:
        return HIP_LABELS[text.upper()], "hip"
    if text in BINARY_LABELS:
        return BINARY_LABELS[text], "binary"
    raise InputError(
        f"{path}: row {row} has label {raw!r}, which is neither C/H/L nor 0/1.",
        "Pass a plank keypoint table as described in shared/data/keypoints/MANIFEST.csv.",
    )


def read_plank_table(
    path: str | Path,
    frame_size: tuple[int, int] = DEFAULT_FRAME_SIZE,
    unmirror: bool = False,
) -> PlankTable:
    """Read a plank keypoint CSV into a :class:`PlankTable`.

    ``frame_size`` is the (width, height) the normalised coordinates are scaled by (see the
    module docstring for why 16:9 is the default). Raises :class:`InputError` for a missing
    file, missing columns, non-numeric values or unknown labels.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Keypoint table not found: {path}", "Check the path.")
    width, height = (int(v) for v in frame_size)
    if width <= 0 or height <= 0:
        raise InputError(
            f"frame_size must be positive, got {frame_size}.", "Pass (width, height) in pixels."
        )
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        rows = list(reader)
    if not header or header[0].strip().lower() != "label":
        raise InputError(
            f"{path} does not start with a 'label' column.",
            "Pass a plank keypoint table (label, then <landmark>_x,_y,_z,_v columns).",
        )
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    wanted: list[tuple[Landmark, list[int]]] = []
    missing: list[str] = []
    for lm in PLANK_DATASET_17:
        cols = [f"{_column_name(lm)}_{c}" for c in ("x", "y", "z", "v")]
        absent = [c for c in cols if c not in index]
        missing += absent
        if not absent:
            wanted.append((lm, [index[c] for c in cols]))
    if missing:
        raise InputError(
            f"{path} lacks columns {', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}.",
            "The table must carry the 17 plank landmarks as <name>_x,_y,_z,_v.",
        )
    rows = [r for r in rows if r and any(cell.strip() for cell in r)]
    n = len(rows)
    labels = np.empty(n, dtype=object)
    kinds: set[str] = set()
    values = np.full((n, len(wanted), 4), np.nan, dtype=np.float64)
    for i, row in enumerate(rows):
        labels[i], kind = _parse_label(row[0], path, i + 2)
        kinds.add(kind)
        try:
            for j, (_, cols) in enumerate(wanted):
                values[i, j] = [float(row[c]) if row[c].strip() else np.nan for c in cols]
        except (ValueError, IndexError) as exc:
            raise InputError(
                f"{path}: row {i + 2} is short or holds a non-number ({exc}).",
                "Fix or remove that row.",
            ) from exc
    if len(kinds) > 1:
        raise InputError(
            f"{path} mixes C/H/L and 0/1 labels.", "Split it into one file per label scheme."
        )

    image = np.full((n, NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
    visibility = np.full((n, NUM_LANDMARKS), np.nan, dtype=np.float32)
    for j, (lm, _) in enumerate(wanted):
        image[:, lm, :] = values[:, j, :3]
        visibility[:, lm] = values[:, j, 3]
    if unmirror:
        image[:, :, 0] = 1.0 - image[:, :, 0]
        image[:, :, 2] = -image[:, :, 2]
        swap = np.arange(NUM_LANDMARKS)
        for name in dir(Landmark):
            if name.startswith("LEFT_"):
                left, right = Landmark[name], Landmark["RIGHT_" + name[5:]]
                swap[left], swap[right] = right, left
        image, visibility = image[:, swap], visibility[:, swap]

    source = SourceInfo(name=path.name, width=width, height=height, fps=NOMINAL_FPS, frame_count=n)
    # Presence is unknown (NaN): formcheck.features.view does not hold a missing presence against a
    # point. World landmarks are absent: the view code then relies on its image cue alone.
    series = PoseSeries(
        time_ms=np.arange(n, dtype=np.float64) * (1000.0 / NOMINAL_FPS),
        image=image,
        world=np.full((n, NUM_LANDMARKS, 3), np.nan, dtype=np.float32),
        visibility=visibility,
        presence=np.full((n, NUM_LANDMARKS), np.nan, dtype=np.float32),
        num_people=np.ones(n, dtype=np.int16),
        source=source,
        model="table",
    )
    return PlankTable(path=path, labels=labels, kind=kinds.pop() if kinds else "hip", series=series)


def estimate_aspect(series: PoseSeries) -> np.ndarray:
    """Per-frame estimate of the frame's width/height ratio from a forearm plank's arm (N,).

    In a forearm plank the upper arm hangs vertical and the forearm lies flat, so in normalised
    coordinates ``forearm_dx * W / (upper_arm_dy * H)`` should equal
    :data:`FOREARM_TO_UPPER_ARM`. NaN where the arm is not in that shape (high plank, bent
    pose) or not visible. A check on the assumed frame size, not an input to the rule.
    """
    img = np.asarray(series.image, dtype=np.float64)
    vis = np.nan_to_num(np.asarray(series.visibility, dtype=np.float64), nan=0.0)
    # The better-visible side's arm (label-free: both sides' arms are the same shape).
    left_better = vis[:, Landmark.LEFT_ELBOW] >= vis[:, Landmark.RIGHT_ELBOW]
    pick = np.where(
        left_better[:, None],
        np.array([Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST]),
        np.array([Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST]),
    )
    rows = np.arange(img.shape[0])[:, None]
    sh, el, wr = (img[rows[:, 0], pick[:, k], :2] for k in range(3))
    upper, fore = el - sh, wr - el
    arm_vertical = np.abs(upper[:, 0]) < 0.25 * np.abs(upper[:, 1])
    fore_flat = np.abs(fore[:, 1]) < 0.25 * np.abs(fore[:, 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.abs(fore[:, 0]) / np.abs(upper[:, 1])
    ok = arm_vertical & fore_flat & np.isfinite(ratio) & (ratio > 0)
    return np.where(ok, FOREARM_TO_UPPER_ARM / np.where(ok, ratio, 1.0), np.nan)

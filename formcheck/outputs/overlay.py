"""Drawing the coaching overlay on a frame: skeleton, key angles, counter, cue and fault banner.

One :class:`Annotator` serves the live window, the annotated video and the report's key frames,
so all three show the same picture. Everything it needs for a frame is in an
:class:`OverlayState`; it never looks at rules or models.

Drawing is cheap on purpose (about 1 ms for a 640x480 frame): OpenCV primitives only, the text
layout of long cues cached, translucent boxes blended only where they are drawn. Text sits on a
darkened box so it stays readable on any background, and is anti-aliased. OpenCV's Hershey
fonts are ASCII only, so typographic characters are replaced and the degree sign is drawn as a
small ring.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from formcheck.exercises import registry
from formcheck.exercises.spec import KeyAngle
from formcheck.series.landmarks import POSE_CONNECTIONS, SIDE_PAIRS

# The angles shown when the exercise is not known (auto before recognition, or "other"); each
# exercise names its own in its spec (ExerciseSpec.key_angles).
GENERIC_KEY_ANGLES = (KeyAngle("hip", "hip_flexion"), KeyAngle("knee", "knee_flexion"))

# Which body part an angle is measured at, to label it beside the joint.
_ANGLE_ANCHORS = {
    "hip_flexion": "hip",
    "knee_flexion": "knee",
    "elbow_flexion": "elbow",
    "shoulder_flexion": "shoulder",
    "trunk_inclination": "shoulder",
    "trunk_lean": "shoulder",
    "neck_flexion": "ear",
    "body_line_angle": "hip",
    "upper_arm_from_vertical": "elbow",
}

# Colours are BGR.
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
AMBER = (0, 190, 255)
RED = (40, 40, 230)
CUE_BLUE = (150, 90, 30)
SETUP_YELLOW = (40, 215, 250)
GREY = (150, 150, 150)
# Visibility -> skeleton colour: a guessed (hidden) joint is grey-red, a clear one green.
_VIS_STOPS = np.array([0.0, 0.35, 0.65, 1.0])
_VIS_COLOURS = np.array([(110, 110, 160), (60, 120, 235), (60, 210, 235), (90, 220, 90)], float)
_VIS_LUT = np.stack(
    [np.interp(np.linspace(0, 1, 101), _VIS_STOPS, _VIS_COLOURS[:, c]) for c in range(3)], axis=1
).astype(np.uint8)
_VIS_TUPLES = [tuple(int(c) for c in row) for row in _VIS_LUT]
# A joint below this visibility is not drawn at all: the model is only guessing it.
MIN_DRAW_VISIBILITY = 0.05

_JOINTS = tuple(sorted({i for edge in POSE_CONNECTIONS for i in edge}))
_EDGES = np.array(POSE_CONNECTIONS, dtype=np.int64)
_EDGE_LIST = [(int(a), int(b)) for a, b in POSE_CONNECTIONS]
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_ASCII = str.maketrans(
    {
        "·": "-",
        "•": "-",
        "—": "-",
        "–": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "×": "x",
    }
)
DEGREE = "°"


@dataclass
class OverlayState:
    """Everything drawn on one frame."""

    landmarks_px: np.ndarray | None  # (33, 2) pixel coords in the frame being drawn, or None
    visibility: np.ndarray | None  # (33,)
    exercise: str  # a registered exercise id, "auto" or "other"
    angles: dict[str, float]  # 2-3 labelled angles to show, e.g. {"hip": 85.0, "knee": 20.0}
    counter: str  # "Reps 3" / "Hold 0:42 · good form 0:35"
    cue: str | None = None  # current coaching cue
    fault_code: str | None = None  # fault being shown in the banner
    fault_severity: float = 0.0  # 0..1 -> banner colour (amber .. red)
    setup_message: str | None = None  # "Turn side-on to the camera", "Step back: feet out of frame"
    paused: bool = False
    # The frame is shown as a mirror (selfie view). Pass the frame and landmarks as the camera
    # gave them: annotate() flips both itself, so the text drawn afterwards reads normally.
    mirrored: bool = False
    fps: float | None = None


def severity_colour(severity: float) -> tuple[int, int, int]:
    """Banner colour: amber for a slight fault, red for a severe one (BGR)."""
    s = float(np.clip(np.nan_to_num(severity, nan=0.0), 0.0, 1.0))
    return tuple(int(round(a + (b - a) * s)) for a, b in zip(AMBER, RED, strict=True))  # type: ignore[return-value]


def visibility_colour(visibility: float) -> tuple[int, int, int]:
    v = float(visibility)
    v = 0.0 if not v > 0.0 else min(v, 1.0)  # NaN -> 0
    return _VIS_TUPLES[int(round(v * 100))]  # type: ignore[return-value]


def fault_title(code: str) -> str:
    """``hips_sagging`` -> ``Hips sagging``."""
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def format_clock(seconds: float) -> str:
    """``42.7`` -> ``0:42``."""
    seconds = max(0.0, float(seconds))
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def format_angle(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.0f}{DEGREE}"


# ------------------------------------------------------------------------------------- text
def _clean(text: str) -> str:
    """ASCII for Hershey fonts; the degree sign survives (it is drawn as a ring)."""
    text = text.translate(_ASCII)
    return "".join(c if c.isascii() or c == DEGREE else "?" for c in text)


@lru_cache(maxsize=1024)
def _part_width(text: str, scale: float, thickness: int) -> int:
    return int(cv2.getTextSize(text, _FONT, scale, thickness)[0][0])


@lru_cache(maxsize=64)
def _font_height(scale: float, thickness: int) -> tuple[int, int]:
    (_, h), base = cv2.getTextSize("Ag", _FONT, scale, thickness)
    return int(h), int(base)


@lru_cache(maxsize=1024)
def _text_width(text: str, scale: float, thickness: int) -> tuple[int, int, int]:
    """(width, height above baseline, baseline) of ``text``; a degree sign counts as a ring."""
    parts = text.split(DEGREE)
    h, base = _font_height(scale, thickness)
    width = 0
    for i, part in enumerate(parts):
        if part:
            width += _part_width(part, scale, thickness)
        if i < len(parts) - 1:
            width += _ring_advance(h)
    return width, h, base


def _ring_advance(text_h: int) -> int:
    return max(4, int(round(text_h * 0.55)))


def _put_text(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int],
    thickness: int,
) -> None:
    """cv2.putText, anti-aliased, drawing ``°`` as a small ring (Hershey fonts lack it)."""
    x, y = org
    if DEGREE not in text:
        cv2.putText(img, text, (x, y), _FONT, scale, colour, thickness, cv2.LINE_AA)
        return
    parts = text.split(DEGREE)
    h, _ = _font_height(scale, thickness)
    for i, part in enumerate(parts):
        if part:
            cv2.putText(img, part, (x, y), _FONT, scale, colour, thickness, cv2.LINE_AA)
            x += _part_width(part, scale, thickness)
        if i < len(parts) - 1:
            r = max(2, int(round(h * 0.16)))
            cv2.circle(img, (x + r + 1, y - h + r), r, colour, max(1, thickness - 1), cv2.LINE_AA)
            x += _ring_advance(h)


@lru_cache(maxsize=256)
def _wrap(text: str, max_width: int, scale: float, thickness: int, max_lines: int) -> tuple:
    """Greedy word wrap to ``max_width`` pixels; the last line ends in '...' if cut short."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and _text_width(trial, scale, thickness)[0] > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and _text_width(last + "...", scale, thickness)[0] > max_width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        kept[-1] = last + "..."
        lines = kept
    return tuple(lines)


def _darken(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, keep: float = 0.3) -> None:
    """Darken a box in place (the backing behind text): cheap and readable on any scene."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 > x0 and y1 > y0:
        roi = img[y0:y1, x0:x1]
        np.multiply(roi, keep, out=roi, casting="unsafe")


def _tint(
    img: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int], alpha: float
) -> None:
    """Blend a solid colour over a box in place."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 > x0 and y1 > y0:
        roi = img[y0:y1, x0:x1]
        block = np.empty_like(roi)
        block[:] = colour
        cv2.addWeighted(roi, 1.0 - alpha, block, alpha, 0.0, dst=block)
        roi[:] = block


# ------------------------------------------------------------------------------- annotator
class Annotator:
    """Draws an :class:`OverlayState` on BGR frames of one size (sizes are re-fitted if they change)."""

    def __init__(self, width: int, height: int) -> None:
        self._fit(int(width), int(height))

    def _fit(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        # Sizes follow the frame's short side, so a phone's portrait video reads like 640x480.
        s = max(0.5, min(width, height) / 480.0)
        self.scale = s
        self.pad = max(4, int(round(8 * s)))
        self.small = 0.5 * s
        self.medium = 0.62 * s
        self.large = 0.85 * s
        self.thin = max(1, int(round(1.2 * s)))
        self.bold = max(1, int(round(2.0 * s)))
        self.line_w = max(2, int(round(3 * s)))
        self.joint_r = max(2, int(round(4 * s)))

    # ---------------------------------------------------------------------- public
    def annotate(self, bgr: np.ndarray, state: OverlayState) -> np.ndarray:
        """Draw ``state`` on ``bgr`` (H, W, 3 uint8) in place and return it."""
        h, w = bgr.shape[:2]
        if (w, h) != (self.width, self.height):
            self._fit(w, h)
        landmarks = state.landmarks_px
        if state.mirrored:
            cv2.flip(bgr, 1, dst=bgr)
            if landmarks is not None:
                landmarks = np.asarray(landmarks, dtype=np.float64).copy()
                landmarks[:, 0] = (w - 1) - landmarks[:, 0]
        if landmarks is not None:
            vis = state.visibility
            if vis is None:
                vis = np.ones(len(landmarks), dtype=np.float64)
            self._skeleton(bgr, np.asarray(landmarks, np.float64), np.asarray(vis, np.float64))
            self._joint_labels(bgr, np.asarray(landmarks, np.float64), vis, state)
        self._panel(bgr, state)
        self._corner(bgr, state)
        if state.setup_message:
            self._setup(bgr, state.setup_message)
        self._banner(bgr, state)
        if state.paused:
            self._paused(bgr)
        return bgr

    # ---------------------------------------------------------------------- skeleton
    def _skeleton(self, img: np.ndarray, px: np.ndarray, vis: np.ndarray) -> None:
        vis = np.nan_to_num(vis, nan=0.0)
        ok = np.isfinite(px).all(axis=1) & (vis >= MIN_DRAW_VISIBILITY)
        # Far off-frame guesses would make cv2 draw long stray lines.
        margin = 0.5 * max(self.width, self.height)
        ok &= (px[:, 0] > -margin) & (px[:, 0] < self.width + margin)
        ok &= (px[:, 1] > -margin) & (px[:, 1] < self.height + margin)
        # Plain Python lists from here: indexing numpy scalars per call costs more than drawing.
        pts = np.where(ok[:, None], px, 0.0).round().astype(np.int32).tolist()
        lut = (np.clip(vis, 0.0, 1.0) * 100).round().astype(np.int64).tolist()
        ok_list = ok.tolist()
        edge_vis = np.minimum(vis[_EDGES[:, 0]], vis[_EDGES[:, 1]])
        # Least visible first, so clear limbs are drawn on top of guessed ones.
        for k in np.argsort(edge_vis).tolist():
            a, b = _EDGE_LIST[k]
            if ok_list[a] and ok_list[b]:
                colour = _VIS_TUPLES[min(lut[a], lut[b])]
                cv2.line(img, pts[a], pts[b], colour, self.line_w, cv2.LINE_AA)
        r = self.joint_r
        for i in _JOINTS:
            if ok_list[i]:
                cv2.circle(img, pts[i], r + 1, BLACK, -1, cv2.LINE_AA)
                cv2.circle(img, pts[i], r, _VIS_TUPLES[lut[i]], -1, cv2.LINE_AA)

    def _joint_labels(
        self, img: np.ndarray, px: np.ndarray, vis: np.ndarray, state: OverlayState
    ) -> None:
        """The key angles again, small, beside the joint they are measured at."""
        vis = np.nan_to_num(np.asarray(vis, np.float64), nan=0.0)
        features = {a.label: a.feature for a in key_angle_specs(state.exercise)}
        for label, value in state.angles.items():
            part = _ANGLE_ANCHORS.get(features.get(label, ""))
            if part is None or not np.isfinite(value):
                continue
            left, right = SIDE_PAIRS[part]
            i = left if vis[left] >= vis[right] else right
            if vis[i] < 0.3 or not np.isfinite(px[i]).all():
                continue
            text = format_angle(value)
            tw, th, base = _text_width(text, self.small, self.thin)
            x = int(px[i, 0]) + self.pad
            y = int(px[i, 1]) - self.pad
            x = min(max(x, 0), self.width - tw - 4)
            y = min(max(y, th + 4), self.height - 4)
            _darken(img, x - 3, y - th - 3, x + tw + 3, y + base + 1, keep=0.35)
            _put_text(img, text, (x, y), self.small, WHITE, self.thin)

    # ---------------------------------------------------------------------- panels
    def _panel(self, img: np.ndarray, state: OverlayState) -> None:
        """Top left: exercise and counter, then the key angles."""
        pad = self.pad
        title = exercise_badge(state.exercise)
        rows: list[tuple[str, float, int, tuple[int, int, int]]] = []
        if title:
            rows.append((title, self.small, self.thin, (200, 200, 200)))
        if state.counter:
            rows.append((_clean(state.counter), self.large, self.bold, WHITE))
        for label, value in state.angles.items():
            rows.append((f"{_clean(label)} {format_angle(value)}", self.medium, self.thin, WHITE))
        if not rows:
            return
        sizes = [_text_width(t, sc, th) for t, sc, th, _ in rows]
        gap = max(3, pad // 2)
        box_w = max(s[0] for s in sizes) + 2 * pad
        box_h = sum(s[1] + s[2] for s in sizes) + gap * (len(rows) - 1) + 2 * pad
        _darken(img, 0, 0, box_w, box_h)
        y = pad
        for (text, sc, th, colour), (_, h, base) in zip(rows, sizes, strict=True):
            y += h
            _put_text(img, text, (pad, y), sc, colour, th)
            y += base + gap

    def _corner(self, img: np.ndarray, state: OverlayState) -> None:
        """Top right: processing speed and the mirror mode."""
        tags = []
        if state.fps is not None and np.isfinite(state.fps):
            tags.append(f"{state.fps:.0f} fps")
        if state.mirrored:
            tags.append("mirror")
        if not tags:
            return
        text = "  ".join(tags)
        tw, th, base = _text_width(text, self.small, self.thin)
        x = self.width - tw - self.pad
        _darken(img, x - self.pad // 2, 0, self.width, th + base + self.pad, keep=0.4)
        _put_text(img, text, (x, th + self.pad // 2 + 1), self.small, (220, 220, 220), self.thin)

    def _setup(self, img: np.ndarray, message: str) -> None:
        """Centre top: what to change before anything can be judged."""
        lines = _wrap(_clean(message), int(self.width * 0.6), self.medium, self.bold, max_lines=2)
        sizes = [_text_width(line, self.medium, self.bold) for line in lines]
        tw = max(s[0] for s in sizes)
        th = sizes[0][1] + sizes[0][2]
        pad = self.pad
        box_h = th * len(lines) + pad * (len(lines) + 1)
        x0 = (self.width - tw) // 2 - pad
        y0 = int(self.height * 0.22)
        _tint(img, x0, y0, x0 + tw + 2 * pad, y0 + box_h, SETUP_YELLOW, 0.85)
        y = y0 + pad
        for line, (lw, h, base) in zip(lines, sizes, strict=True):
            y += h
            _put_text(img, line, ((self.width - lw) // 2, y), self.medium, BLACK, self.bold)
            y += base + pad

    def _banner(self, img: np.ndarray, state: OverlayState) -> None:
        """Bottom: the fault (coloured by severity) with its cue, or a cue on its own."""
        if not state.fault_code and not state.cue:
            return
        pad = self.pad
        rows: list[tuple[str, float, int]] = []
        if state.fault_code:
            colour = severity_colour(state.fault_severity)
            rows.append((_clean(fault_title(state.fault_code)), self.large, self.bold))
            text_colour = BLACK if state.fault_severity < 0.5 else WHITE
        else:
            colour, text_colour = CUE_BLUE, WHITE
        if state.cue:
            for line in _wrap(
                _clean(state.cue), self.width - 2 * pad, self.medium, self.thin, max_lines=2
            ):
                rows.append((line, self.medium, self.thin))
        sizes = [_text_width(t, sc, th) for t, sc, th in rows]
        gap = max(3, pad // 2)
        box_h = sum(h + b for _, h, b in sizes) + gap * (len(rows) - 1) + 2 * pad
        y0 = self.height - box_h
        _tint(img, 0, y0, self.width, self.height, colour, 0.82)
        y = y0 + pad
        for (text, sc, th), (_, h, base) in zip(rows, sizes, strict=True):
            y += h
            _put_text(img, text, (pad, y), sc, text_colour, th)
            y += base + gap

    def _paused(self, img: np.ndarray) -> None:
        text = "PAUSED"
        scale = 1.6 * self.scale
        thick = max(2, int(round(3 * self.scale)))
        tw, th, base = _text_width(text, scale, thick)
        x, y = (self.width - tw) // 2, (self.height + th) // 2
        _darken(img, x - self.pad, y - th - self.pad, x + tw + self.pad, y + base + self.pad)
        _put_text(img, text, (x, y), scale, WHITE, thick)


def key_angle_specs(exercise: str) -> tuple[KeyAngle, ...]:
    """The angles the overlay shows for ``exercise``: its spec's, else the generic hip and knee."""
    spec = registry.find(exercise)
    return spec.key_angles if spec is not None else GENERIC_KEY_ANGLES


def exercise_badge(exercise: str) -> str:
    """The exercise's name on the overlay; none before recognition or for "other"."""
    spec = registry.find(exercise)
    if spec is not None:
        return spec.badge
    return "" if exercise in (registry.AUTO, registry.OTHER) else exercise.upper()


def key_angles(exercise: str, features: dict[str, float]) -> dict[str, float]:
    """The labelled angles :class:`OverlayState` shows for ``exercise`` from one frame's features."""
    return {a.label: float(features.get(a.feature, np.nan)) for a in key_angle_specs(exercise)}


__all__ = [
    "GENERIC_KEY_ANGLES",
    "Annotator",
    "OverlayState",
    "fault_title",
    "format_clock",
    "exercise_badge",
    "key_angle_specs",
    "key_angles",
    "severity_colour",
    "visibility_colour",
]

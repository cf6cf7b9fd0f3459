"""Landmark smoothing: zero-phase Butterworth offline, the causal One Euro filter live.

The Tasks API does no landmark smoothing, and raw BlazePose landmarks jitter by a few pixels
from frame to frame, which is enough to make angle thresholds flicker. Both smoothers sit
behind one small interface (:class:`LandmarkSmoother`): ``smooth(series)`` returns a new
:class:`~formcheck.series.core.PoseSeries` whose ``smoothing`` names the filter.

Missing frames are the part most smoothing code gets wrong. Here a filter never runs across a
long gap: a person leaving the frame and coming back elsewhere must not produce a smeared path
in between, and a jump across a gap must not leak into the frames on either side.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from formcheck.errors import ConfigError, InputError
from formcheck.series.filters import (
    butter_lowpass_sos,
    default_padlen,
    pchip_interpolate,
    sosfiltfilt,
)
from formcheck.series.landmarks import NUM_LANDMARKS

if TYPE_CHECKING:
    from formcheck.series.core import PoseSeries


@runtime_checkable
class LandmarkSmoother(Protocol):
    """Anything that turns a series into a smoothed copy of it."""

    @property
    def name(self) -> str: ...

    def smooth(self, series: PoseSeries) -> PoseSeries: ...


def _copy_with(series: PoseSeries, **changes) -> PoseSeries:
    """A new series sharing no arrays with ``series``, with ``changes`` applied."""
    base = {
        "time_ms": series.time_ms.copy(),
        "image": series.image.copy(),
        "world": series.world.copy(),
        "visibility": series.visibility.copy(),
        "presence": series.presence.copy(),
        "num_people": series.num_people.copy(),
        "extras": {k: np.array(v, copy=True) for k, v in series.extras.items()},
    }
    base.update(changes)
    return replace(series, **base)


def _check_positive(owner: str, **values: float) -> None:
    for key, value in values.items():
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise ConfigError(
                f"{owner}.{key} must be a positive number, got {value!r}.",
                f"Set {key} to a value above 0 (see the {owner} docstring for units).",
            )


@dataclass(frozen=True)
class NoSmoother:
    """Leaves landmarks as the model gave them (a copy, labelled ``smoothing='none'``)."""

    @property
    def name(self) -> str:
        return "none"

    def smooth(self, series: PoseSeries) -> PoseSeries:
        return _copy_with(series, smoothing=self.name)


# ----------------------------------------------------------------------------- Butterworth
def _gap_fill_mask(time_ms: np.ndarray, valid: np.ndarray, max_gap_ms: float) -> np.ndarray:
    """(T,) bool: missing frames inside a gap short enough to interpolate.

    A gap's duration is the time its missing frames cover: the time between the good frames
    on either side minus one frame interval (the median one), i.e. ``k`` missing frames at a
    steady ``fps`` last ``k / fps``. Gaps at the start or end of the series are never filled
    (nothing to interpolate toward).
    """
    n = valid.shape[0]
    if n < 3 or valid.all() or not valid.any():
        return np.zeros(n, dtype=bool)
    idx = np.arange(n)
    prev = np.maximum.accumulate(np.where(valid, idx, -1))
    nxt = np.minimum.accumulate(np.where(valid, idx, n)[::-1])[::-1]
    inside = ~valid & (prev >= 0) & (nxt < n)
    step = float(np.median(np.diff(time_ms)))
    span = time_ms[np.clip(nxt, 0, n - 1)] - time_ms[np.clip(prev, 0, n - 1)] - step
    return inside & (span <= max_gap_ms + 1e-6)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a 1-D bool mask."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _column_groups(finite: np.ndarray) -> list[np.ndarray]:
    """Indices of columns of a (T, C) finiteness mask that share the same pattern.

    Landmarks are nearly always missing together (no person in the frame), so this is
    usually one group and each run is filtered for all coordinates in one call.
    """
    # Grouped by the bytes of each packed column: np.unique(axis=0) would sort the columns'
    # patterns as structured rows, which took longer than filtering a long clip.
    groups: dict[bytes, list[int]] = {}
    for j, key in enumerate(np.packbits(finite, axis=0).T):
        groups.setdefault(key.tobytes(), []).append(j)
    return [np.array(cols, dtype=np.intp) for cols in groups.values()]


def _fill_and_filter(
    time_ms: np.ndarray,
    data: np.ndarray,
    max_gap_ms: float,
    sos: np.ndarray | None,
    interpolation: str,
) -> np.ndarray:
    """Gap-fill then (if ``sos``) zero-phase filter each gap-free run of (T, C) ``data``."""
    out = np.array(data, dtype=np.float64, copy=True)
    if out.shape[0] == 0 or out.shape[1] == 0:
        return out
    finite = np.isfinite(out)
    padlen = default_padlen(sos) if sos is not None else 0
    for cols in _column_groups(finite):
        valid = finite[:, cols[0]]
        if not valid.any():
            continue
        fill = _gap_fill_mask(time_ms, valid, max_gap_ms)
        for start, stop in _runs(valid | fill):
            sel = slice(start, stop)
            block = out[sel][:, cols]
            missing = ~valid[sel]
            if missing.any():
                t_run, good = time_ms[sel], valid[sel]
                if interpolation == "pchip":
                    block[missing] = pchip_interpolate(t_run[good], block[good], t_run[missing])
                else:
                    for j in range(block.shape[1]):
                        block[missing, j] = np.interp(t_run[missing], t_run[good], block[good, j])
            if sos is not None and stop - start > padlen:
                block = sosfiltfilt(sos, block, axis=0)
            out[sel, cols] = block
    return out


@dataclass(frozen=True)
class ButterworthSmoother:
    """Offline, zero-phase low-pass filter (Butterworth, run forward and backward).

    ``cutoff_hz`` (Hz): 6 Hz keeps the fastest parts of a kettlebell swing (~1 Hz movement
    with sharp turns) and removes frame-to-frame jitter. ``order`` is the Butterworth order
    (doubled in effect by the forward-backward pass). ``max_gap_ms``: longer gaps split the
    series.

    How a series is processed, per landmark coordinate of ``image`` and ``world``:

    1. Gaps (NaN frames) whose missing frames cover at most ``max_gap_ms`` are filled by
       PCHIP interpolation (shape-preserving: it does not overshoot like a cubic spline).
       Gaps at the very start or end are never filled. Longer gaps stay NaN.
    2. Each gap-free run is filtered on its own with
       :func:`~formcheck.series.filters.sosfiltfilt` (SciPy's ``sosfiltfilt`` redone in numpy:
       zero phase, odd-extension padding at the run's ends). A run of at most ``padlen``
       frames (9 at the default order 2, i.e. 0.3 s at 30 fps) is too short to pad and is
       left unfiltered, not filtered with a shortened pad that would bend its ends.
    3. If the series' frame rate is so low that ``cutoff_hz >= 0.9 * Nyquist`` (fps/2), the
       filter could not remove anything useful and would ring, so filtering is skipped
       (gaps are still filled). The filter assumes roughly even frame spacing.

    ``visibility`` and ``presence`` are never filtered, but filled frames get them linearly
    interpolated. ``num_people`` is kept; a filled frame gets 1 if the good frames on both
    sides of its gap saw at least one person, else 0. ``extras`` are copied unchanged.
    """

    cutoff_hz: float = 6.0
    order: int = 2
    max_gap_ms: float = 250.0

    def __post_init__(self) -> None:
        _check_positive("ButterworthSmoother", cutoff_hz=self.cutoff_hz)
        if not isinstance(self.order, (int, np.integer)) or not 1 <= self.order <= 8:
            raise ConfigError(
                f"ButterworthSmoother.order must be an integer from 1 to 8, got {self.order!r}.",
                "Use order 2 (the usual choice for human movement) unless you know better.",
            )
        if not (np.isfinite(self.max_gap_ms) and self.max_gap_ms >= 0):
            raise ConfigError(
                f"ButterworthSmoother.max_gap_ms must be >= 0, got {self.max_gap_ms!r}.",
                "Set the longest gap to interpolate in milliseconds (0 disables filling).",
            )

    @property
    def name(self) -> str:
        return f"butterworth(cutoff_hz={self.cutoff_hz:g},order={self.order})"

    def design(self, fps: float) -> np.ndarray | None:
        """Second-order sections for ``fps``, or None when filtering must be skipped."""
        nyquist = fps / 2.0
        if not np.isfinite(fps) or fps <= 0 or self.cutoff_hz >= 0.9 * nyquist:
            return None
        return butter_lowpass_sos(self.order, self.cutoff_hz, fps)

    def smooth(self, series: PoseSeries) -> PoseSeries:
        t = series.time_ms
        n = len(series)
        if n == 0:
            return _copy_with(series, smoothing=self.name)
        sos = self.design(series.fps) if n > 1 else None

        def run(arr: np.ndarray, filt: np.ndarray | None, interpolation: str) -> np.ndarray:
            flat = np.asarray(arr, dtype=np.float64).reshape(n, -1)
            return _fill_and_filter(t, flat, self.max_gap_ms, filt, interpolation).reshape(
                arr.shape
            )

        # Image and world coordinates go through one call: each column is filtered on its own,
        # so the result is the same, and the filter's per-frame loop runs once, not twice.
        coords = run(np.concatenate([series.image, series.world], axis=1), sos, "pchip")
        image, world = np.split(coords, [series.image.shape[1]], axis=1)
        visibility = run(series.visibility, None, "linear")
        presence = run(series.presence, None, "linear")

        before = np.isfinite(series.image[:, 0, 0])
        after = np.isfinite(image[:, 0, 0])
        num_people = series.num_people.copy()
        filled = after & ~before
        if filled.any():
            idx = np.arange(n)
            prev = np.maximum.accumulate(np.where(before, idx, -1))
            nxt = np.minimum.accumulate(np.where(before, idx, n)[::-1])[::-1]
            people = series.num_people
            both = (people[np.clip(prev, 0, n - 1)] >= 1) & (people[np.clip(nxt, 0, n - 1)] >= 1)
            num_people[filled] = np.where(both[filled], 1, 0)
        return _copy_with(
            series,
            image=image,
            world=world,
            visibility=visibility,
            presence=presence,
            num_people=num_people,
            smoothing=self.name,
        )


# ----------------------------------------------------------------------------- One Euro
def _alpha(cutoff_hz: np.ndarray | float, dt_s: np.ndarray) -> np.ndarray:
    """Smoothing factor of a first-order low-pass with ``cutoff_hz`` at sample spacing ``dt_s``."""
    tau = 1.0 / (2.0 * np.pi * np.asarray(cutoff_hz, dtype=np.float64))
    return 1.0 / (1.0 + tau / dt_s)


@dataclass
class _OneEuroState:
    """Per-coordinate state of a bank of One Euro filters (NaN = not started)."""

    x_hat: np.ndarray
    dx_hat: np.ndarray
    t_last: np.ndarray

    @classmethod
    def new(cls, size: int) -> _OneEuroState:
        return cls(*(np.full(size, np.nan) for _ in range(3)))


@dataclass
class OneEuroSmoother:
    """Live, causal One Euro filter (Casiez, Roussel and Vogel, CHI 2012), per coordinate.

    A first-order low-pass whose cutoff rises with the (smoothed) speed: heavy smoothing when
    a landmark is still, little lag when it moves fast. Parameters and units:

    * ``min_cutoff`` (Hz): cutoff at rest. Lower = less jitter when still, more lag.
    * ``beta`` (s per coordinate unit): cutoff grows by ``beta * |speed|`` Hz. Speeds are in
      coordinate units per second: image x and y are normalised to the frame (0..1), image z
      is on roughly the same scale, world coordinates are metres. A person filling most of the
      frame is 1-2 m tall over ~0.7 of the frame, so one ``beta`` suits both. A limb moving
      at 1 frame-width/s (or ~1.5 m/s) raises the cutoff by about ``beta`` Hz; lag at high
      speed is bounded by ``1 / (2 pi beta)`` units (0.016 of the frame at beta = 10).
      (The ``0.007``-style values quoted for the filter are for pixel units.)
    * ``d_cutoff`` (Hz): cutoff of the low-pass on the speed estimate.
    * ``max_gap_ms``: a coordinate missing (NaN) for longer than this restarts from its next
      value instead of gliding from where it was; a NaN input always gives a NaN output.

    Being a convex blend of the previous output and the new input, the filter never
    overshoots a step. Timestamps must increase from one ``step`` to the next.
    """

    min_cutoff: float = 1.5
    beta: float = 10.0
    d_cutoff: float = 1.0
    max_gap_ms: float = 250.0
    _image: _OneEuroState = field(init=False, repr=False, compare=False)
    _world: _OneEuroState = field(init=False, repr=False, compare=False)
    _last_time_ms: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_positive("OneEuroSmoother", min_cutoff=self.min_cutoff, d_cutoff=self.d_cutoff)
        for key in ("beta", "max_gap_ms"):
            value = getattr(self, key)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
                raise ConfigError(
                    f"OneEuroSmoother.{key} must be a number >= 0, got {value!r}.",
                    "See the OneEuroSmoother docstring for units and typical values.",
                )
        self.reset()

    @property
    def name(self) -> str:
        return (
            f"one_euro(min_cutoff={self.min_cutoff:g},beta={self.beta:g},"
            f"d_cutoff={self.d_cutoff:g})"
        )

    def reset(self) -> None:
        """Forget all history (start of a new clip or camera session)."""
        self._image = _OneEuroState.new(NUM_LANDMARKS * 3)
        self._world = _OneEuroState.new(NUM_LANDMARKS * 3)
        self._last_time_ms = -np.inf

    def _filter(self, state: _OneEuroState, time_ms: float, x: np.ndarray) -> np.ndarray:
        # Coordinates silent for too long start afresh.
        stale = np.isfinite(state.t_last) & (time_ms - state.t_last > self.max_gap_ms)
        state.x_hat[stale] = state.dx_hat[stale] = state.t_last[stale] = np.nan

        valid = np.isfinite(x)
        started = valid & np.isfinite(state.t_last)
        fresh = valid & ~started
        state.x_hat[fresh] = x[fresh]
        state.dx_hat[fresh] = 0.0

        if started.any():
            dt = (time_ms - state.t_last[started]) / 1000.0
            xs, prev = x[started], state.x_hat[started]
            dx = (xs - prev) / dt
            dx_hat = state.dx_hat[started]
            dx_hat = dx_hat + _alpha(self.d_cutoff, dt) * (dx - dx_hat)
            cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
            state.x_hat[started] = prev + _alpha(cutoff, dt) * (xs - prev)
            state.dx_hat[started] = dx_hat
        state.t_last[valid] = time_ms
        return np.where(valid, state.x_hat, np.nan)

    def step(
        self, time_ms: float, image: np.ndarray, world: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Filter one frame: ``image`` and ``world`` are (33, 3); returns filtered copies."""
        time_ms = float(time_ms)
        if not time_ms > self._last_time_ms:
            raise InputError(
                f"OneEuroSmoother.step got time {time_ms} ms after {self._last_time_ms} ms.",
                "Pass strictly increasing timestamps, or call reset() when a new clip starts.",
            )
        self._last_time_ms = time_ms
        img = np.asarray(image, dtype=np.float64).reshape(-1)
        wld = np.asarray(world, dtype=np.float64).reshape(-1)
        if img.shape[0] != NUM_LANDMARKS * 3 or wld.shape[0] != NUM_LANDMARKS * 3:
            raise InputError(
                f"OneEuroSmoother.step got arrays of {img.size} and {wld.size} values.",
                f"Pass image and world landmarks of one frame, each shaped ({NUM_LANDMARKS}, 3).",
            )
        out_img = self._filter(self._image, time_ms, img).reshape(NUM_LANDMARKS, 3)
        out_wld = self._filter(self._world, time_ms, wld).reshape(NUM_LANDMARKS, 3)
        return out_img, out_wld

    def smooth(self, series: PoseSeries) -> PoseSeries:
        """Run the filter causally over a whole series (with fresh state; ``self`` untouched)."""
        filt = OneEuroSmoother(self.min_cutoff, self.beta, self.d_cutoff, self.max_gap_ms)
        image = np.empty(series.image.shape, dtype=np.float64)
        world = np.empty(series.world.shape, dtype=np.float64)
        # A recursive filter: each frame needs the previous output, so this loop is inherent;
        # the work inside is vectorised over all 198 coordinates.
        for i, t in enumerate(series.time_ms):
            image[i], world[i] = filt.step(t, series.image[i], series.world[i])
        return _copy_with(series, image=image, world=world, smoothing=self.name)


# The filter of every offline path (analyze, batch, evaluate, the live loop's recogniser): one
# name, so a clip's landmarks are smoothed the same way wherever they are judged.
OFFLINE_SMOOTHING = "butterworth"


def smooth_offline(series: PoseSeries) -> PoseSeries:
    """``series`` smoothed as every offline path smooths it (:data:`OFFLINE_SMOOTHING`).

    One frame (a photo) has no time axis to filter along and is returned as it is.
    """
    if len(series) < 2:
        return series
    return make_smoother(OFFLINE_SMOOTHING).smooth(series)


def make_smoother(kind: str, **params: float) -> LandmarkSmoother:
    """A smoother from a config/CLI name: ``"butterworth"``, ``"one_euro"`` or ``"none"``."""
    kinds = {"butterworth": ButterworthSmoother, "one_euro": OneEuroSmoother, "none": NoSmoother}
    key = kind.strip().lower().replace("-", "_").replace("oneeuro", "one_euro")
    if key not in kinds:
        raise ConfigError(
            f"Unknown smoothing {kind!r}.",
            "Use 'butterworth' (offline, default), 'one_euro' (live) or 'none'.",
        )
    try:
        return kinds[key](**params)
    except TypeError as exc:
        raise ConfigError(
            f"Bad parameters for {key} smoothing: {exc}.",
            f"Check the parameter names against formcheck.series.smoothing.{kinds[key].__name__}.",
        ) from exc

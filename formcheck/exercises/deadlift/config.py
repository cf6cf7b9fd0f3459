"""Thresholds of the deadlift rule, with the reasoning behind each (see formcheck.exercises.deadlift.session).

Defaults are the ``standard`` strictness; ``PRESETS`` holds what ``relaxed`` and ``strict``
change. Calibration figures quoted here are printed by ``benchmarks/deadlift_eval.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from formcheck.errors import ConfigError
from formcheck.exercises.base import ViewConfidence
from formcheck.exercises.config import Strictness

VARIANTS = ("auto", "barbell", "trap_bar", "kettlebell", "romanian", "sumo")
# Variants whose normal start has the torso more upright and the knees more bent than a
# conventional barbell pull (the load sits between the feet or the stance is wide).
UPRIGHT_VARIANTS = ("trap_bar", "kettlebell", "sumo")


@dataclass(frozen=True)
class DeadliftConfig:
    """Thresholds of the deadlift rule (defaults = the ``standard`` strictness).

    Angles in degrees; "lean" is the torso's inclination from vertical (hip -> shoulder).
    """

    variant: str = "auto"  # auto | barbell | trap_bar | kettlebell | romanian | sumo

    # -- reps -------------------------------------------------------------------------------
    # Lockout: standing tall puts the torso within ~10 deg of vertical; 20 leaves room for
    # noise and a lifter who finishes a little short, and stays far from any hinge.
    lockout_lean_deg: float = 20.0
    # Bottom: every deadlift variant tips the torso at least ~45 deg at the bar's lowest point
    # (a conventional start 50-65, an RDL 60-80, a kettlebell or trap bar pull 40-50); 38 keeps
    # the more upright variants while the 18-deg gap to lockout is the hysteresis.
    hinge_lean_deg: float = 38.0
    # A squatted pull can keep the torso more upright than that, so deep hips (hip flexion past
    # 80 deg) with the torso tipped past 25 deg also count as the bottom.
    hinge_hip_flexion_deg: float = 80.0
    hinge_min_lean_for_hips_deg: float = 25.0
    min_pull_s: float = 0.25  # a real pull takes ~0.5-2 s; shorter swings are noise
    min_rep_interval_s: float = 0.8  # lockout to lockout; no one deadlifts faster
    # A transition needs its condition on this long a run of frames (at least one frame), so a
    # single outlier frame cannot flip the state.
    debounce_s: float = 0.05
    # Longer than this without a measurable frame (walked out of view) restarts the cycle.
    max_gap_s: float = 1.5
    # Frames within this many degrees of the deepest point belong to neither the lowering nor
    # the pull (a pause or reset at the floor).
    bottom_margin_deg: float = 5.0
    # The last this-many seconds at the bottom before the bar rises are judged with the pull
    # (taking the slack out and breaking the bar from the floor load the back most).
    floor_window_s: float = 0.5
    # Standing up after putting the bar down looks like one more pull. What a camera sees is
    # the hands leaving the bar: the wrists come up toward the shoulders (onto the knees or
    # thighs, or reaching for the phone) and the elbows bend, while on the lifter's own reps
    # the arms hang straight from the shoulders to the bar at the floor. The arms are read as
    # the median over each release_smooth_s and compared with the set's counted reps at their
    # lift-off (the set is its own reference: the model reads straight arms as 0-45 deg of
    # elbow flexion depending on the camera); a reading is "off the bar" when the wrists sit
    # release_wrist_rise torso lengths higher and the elbows release_elbow_bend_deg more bent.
    # Each signal counts up to twice its margin, so one alone decides only at twice its
    # margin. A rise is not counted when every reading over the last release_hold_s up to the
    # lift-off is off the bar. The lift-off is where the rise toward lockout starts in
    # earnest, not where the bar last left the floor: hands onto the knees lift the hips ~10
    # deg first (see DeadliftSession._lift_off). The first rise of a set is always counted,
    # and a short or unmeasured bottom keeps the rep.
    # Measured (benchmarks: pose model on real and rendered clips, as medians over 0.6 s): a
    # real lifter's hands off a kettlebell at the floor +0.6 torso lengths and +50 deg; the
    # rendered hands on the knees +0.21 and +37 deg (score 1.4); the set's own reps scatter by
    # <= 0.05 and ~10 deg around their median (score <= 0.3 on the real 10-rep clips).
    # release_hold_s: the hands must still be off right up to the lift-off, because a lifter
    # who shakes the hands out and re-grips can pull within 0-0.2 s of the hands reaching the
    # bar (a longer window's median still read "off" and dropped such reps). 0.3 s (9 frames
    # at 30 fps) is what a quick stand-up leaves: letting go takes ~0.4 s and the lifter may
    # stand 0.1 s later, so the hands are clearly off only ~0.4 s before the rise; it is also
    # about what the former rule required (the majority of a 0.6 s window).
    release_hold_s: float = 0.3
    # release_smooth_s: 3-4 frames at 30 fps, so a misread frame or two neither breaks nor
    # makes a hands-off stretch, while a re-grip still shows within ~0.1 s. It is also the
    # lift-off's time scale: the hips coming up more than bottom_margin_deg within it (faster
    # than ~50 deg/s) is a rise in earnest, not settling onto the knees (~12 deg in 0.4 s).
    release_smooth_s: float = 0.1
    release_wrist_rise: float = 0.15
    release_elbow_bend_deg: float = 25.0

    # -- rounded back -----------------------------------------------------------------------
    # Only frames with the torso tipped this far carry a real bending load on the spine.
    loaded_lean_deg: float = 35.0
    # Back bulge (chord lengths, deadlift_signals.back_bulge), the median over the heavier
    # half of a phase's loaded frames (see DeadliftSession._judge_rounding). Calibrated on the rendered mannequin, whose spine flexion is known exactly
    # (benchmarks/deadlift_eval.py): a flat back reads ~0.006 (the same as the median real
    # lifter with a flat back) and the reading grows ~0.001 per degree of flexion (an even
    # bend predicts 0.0014/deg at the deepest frame; the median also sees the flexion fade as
    # the bar rises). The coaching cue flags a visibly rounded back, roughly 15-20 deg:
    # 0.006 + 18 * 0.001 = 0.024. Full severity at ~40 deg. Read on the heavier half the
    # rendered sweep still grows ~0.001/deg (0.011 -> 0.053 from 0 to 40 deg, two looks),
    # but one still pose at the floor now weighs more: the blue mannequin's 15-deg pose reads
    # 0.036 and is flagged on 2 of 4 phases, its 20-deg pose 0.027 (not flagged); flagged
    # from 20 (upper back) and 25 deg (even, lower back) on every look, never at 0-10.
    bulge_neutral: float = 0.006
    bulge_threshold: float = 0.024
    bulge_full: float = 0.045
    # Head drop = neck_flexion (shoulder -> ear against hip -> shoulder, + head toward the
    # floor). A neutral neck in a hinge reads about -15 (lifters look a little ahead); rounding
    # the upper back by theta turns the neck by about theta/2 more than the trunk chord, and
    # letting the head hang adds to it: +10 (25 deg past neutral) marks a dropped head.
    head_drop_neutral_deg: float = -15.0
    head_drop_threshold_deg: float = 10.0
    # This lifter's own flat back and neutral neck, as offsets from the population's neutral
    # above (set by a personal baseline, formcheck.exercises.deadlift.baseline; 0 without):
    # the readings are judged after subtracting them, so every level keeps its margin.
    bulge_offset: float = 0.0
    head_drop_offset_deg: float = 0.0
    # The silhouette sees the back itself; the head signal also moves with the gaze, so it
    # gets the smaller weight.
    silhouette_weight: float = 0.65
    # ... and either signal alone decides once its evidence reaches this (1.5 x its threshold).
    single_signal_factor: float = 1.5
    # The back's outline needs pixels: below min_chord_px along the hip-shoulder chord a
    # one-pixel mask error is 1/40 chord = the threshold's margin over neutral, so the
    # silhouette is not used; up to full_chord_px its confidence grows.
    min_chord_px: float = 40.0
    full_chord_px: float = 80.0
    min_judged_frames: int = 3  # loaded frames with a measurement, per pull or lowering
    # Noise (formcheck.exercises.noise), per pull or lowering and per signal: the jitter is the
    # robust frame-to-frame spread of the signal over the phase's loaded frames (the clip's
    # earlier phases when it has too few). A reading counts only by how far it passes its
    # limit beyond noise_k jitters, at most max_noise_margin_fraction of the limit's distance
    # from neutral, as in the plank (so a clear fault is never hidden by a shaky measure).
    # A signal whose jitter exceeds max_jitter_fraction of that distance is not judged: one
    # frame's wobble spans the whole way from a flat back to the limit.
    noise_k: float = 1.0
    max_noise_margin_fraction: float = 0.5
    max_jitter_fraction: float = 1.0
    # Confidence factor by the camera view (a 30-60 deg camera is oblique); the front factor is
    # never read: a front view cannot show rounding or the hinge, so it is not judged.
    view_confidence: ViewConfidence = ViewConfidence(side=1.0, oblique=0.6, unknown=0.5, front=0.0)
    landmark_only_confidence: float = 0.45  # no mask: only the head signal is left
    # The first descent of a set may be the lifter reaching down to the bar, not yet loaded
    # (it is loaded in a Romanian deadlift): faults there are reported less sure.
    setup_confidence: float = 0.7

    # -- squatting --------------------------------------------------------------------------
    # A hinge starts with the knees bent ~60-80 deg and the torso tipped ~50-65 deg; a squat
    # bends the knees well past 90 with the torso within ~40 deg of vertical and the knees
    # bending about as much as the hips.
    squat_knee_flexion_deg: float = 90.0
    squat_max_lean_deg: float = 40.0
    squat_knee_hip_ratio: float = 0.8
    # A knee-dominant pull from the floor (a kettlebell deadlift squatted up) keeps the torso
    # tipped like a hinge but bends the knees clearly more than the hips. The model reads good
    # conventional pulls at the floor with the knees bent nearly as much as the hips: 11 good
    # side-on real clips reach a knee/hip ratio of 0.86-1.00 at a lean of 64-70 (49-53 with a
    # ratio of 0.72-0.92); the rendered squatted pull reads 1.16-1.30 at a lean of 54-55. So a
    # ratio from 1.1 (a margin of 0.1, about 13 deg of knee, twice the model's p95 cross-run
    # change of the knee angle) with the torso within 60 deg is squatting too.
    squat_dominant_ratio: float = 1.1
    squat_dominant_max_lean_deg: float = 60.0
    # A deep squat bends the knee ~140-150 deg; a reading past this is a misplaced ankle (the
    # model read a straight-legged rendered RDL at 176), so squatting is not judged on it.
    squat_max_plausible_knee_deg: float = 160.0
    # Trap bar, kettlebell and sumo pulls are legitimately more upright: thresholds move by this.
    upright_variant_allowance_deg: float = 15.0

    # -- feedback ---------------------------------------------------------------------------
    min_detection_rate: float = 0.5
    min_duration_s: float = 0.5

    PRESETS: ClassVar[dict[Strictness, dict[str, float]]] = {
        # relaxed: flag only a clearly rounded back (~25 deg) and a deep squat.
        Strictness.RELAXED: {
            "bulge_threshold": 0.031,
            "head_drop_threshold_deg": 16.0,
            "squat_knee_flexion_deg": 100.0,
            "squat_max_lean_deg": 35.0,
        },
        # strict: flag ~12 deg of rounding and a more modest knee-dominant start. This is also
        # the slight level at standard (formcheck.exercises.levels): rounding of 12-18 deg or
        # a start a little knee-dominant is a note there. The fault level stays where the cue
        # puts a visibly rounded back (15-20 deg) and where no good real clip but one is
        # flagged (README: rounded_back figures); 12 deg sits inside the jitter of the back
        # outline on good lifts, so it is worth a note, not a cue.
        Strictness.STRICT: {
            "bulge_threshold": 0.018,
            "head_drop_threshold_deg": 5.0,
            "squat_knee_flexion_deg": 85.0,
            "squat_max_lean_deg": 45.0,
        },
    }

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ConfigError(
                f"Unknown deadlift variant {self.variant!r}.", f"Use one of {', '.join(VARIANTS)}."
            )
        if not self.lockout_lean_deg < self.hinge_lean_deg:
            raise ConfigError(
                "deadlift lockout_lean_deg must be below hinge_lean_deg "
                f"(got {self.lockout_lean_deg} and {self.hinge_lean_deg}).",
                "Keep a gap of 15 degrees or more between them (hysteresis).",
            )
        if not self.bulge_neutral < self.bulge_threshold < self.bulge_full:
            raise ConfigError(
                "deadlift needs bulge_neutral < bulge_threshold < bulge_full.",
                "Defaults: 0.006, 0.024, 0.045.",
            )
        if not self.head_drop_neutral_deg < self.head_drop_threshold_deg:
            raise ConfigError("deadlift needs head_drop_neutral_deg < head_drop_threshold_deg.")
        if not 0.0 <= self.silhouette_weight <= 1.0:
            raise ConfigError("deadlift silhouette_weight must be within 0..1.")
        if not 0.0 < self.release_smooth_s <= self.release_hold_s:
            raise ConfigError(
                "deadlift needs 0 < release_smooth_s <= release_hold_s "
                f"(got {self.release_smooth_s} and {self.release_hold_s})."
            )
        if not (self.release_wrist_rise > 0 and self.release_elbow_bend_deg > 0):
            raise ConfigError(
                "deadlift release_wrist_rise and release_elbow_bend_deg must be positive."
            )
        if not self.single_signal_factor >= 1.0:
            raise ConfigError("deadlift single_signal_factor must be at least 1.")

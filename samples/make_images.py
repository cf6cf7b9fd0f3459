"""Render the README's pictures into samples/img/ (deterministic, no model run).

    python samples/make_images.py                 # framing pictures and the overlay example
    python samples/make_images.py --report-shot   # also a screenshot of a sample report (chromium)

Framing pictures (``setup_<exercise>.png``): what the camera should see, rendered with
``formcheck.synth`` exactly as the sample clips are, beside a plan view of where the camera
stands. ``overlay.png``: a frame of the leaning-back swing sample with formcheck's overlay.
``report.png``: the top of the HTML report of that sample, taken with headless chromium.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from formcheck.synth import (  # noqa: E402
    LOOKS,
    Motion,
    deadlift,
    kettlebell_swing,
    plank,
    render_frames,
    side_camera,
)

OUT = HERE / "img"
FRAME = (640, 480)
PLAN_W = 280
GOOD = (70, 170, 40)  # BGR
INK = (40, 40, 40)
MUTED = (110, 110, 110)
FONT = cv2.FONT_HERSHEY_SIMPLEX
# A phone's main ("1x") camera is about a 26 mm full-frame equivalent; the samples use 35 mm.
PHONE_FOCAL_MM = 26.0


@dataclass(frozen=True)
class Setup:
    name: str
    motion: Motion
    frame: int  # the frame to show: the moment the body reaches furthest
    yaw_deg: float
    look: str
    title: str
    lines: tuple[str, ...]
    prop: str  # "barbell" | "kettlebell" | ""


def setups() -> list[Setup]:
    dl = deadlift(reps=1)
    pl = plank(duration_s=2.0)
    sw = kettlebell_swing(reps=1)
    return [
        Setup(
            "deadlift",
            dl,
            dl.reps[0].peak,  # lockout: the tallest moment
            90,
            "blue",
            "Deadlift",
            (
                "side-on, along the bar",
                "lens at hip height, level",
                "whole body, bar and plates",
                "in frame at the floor and",
                "at lockout",
            ),
            "barbell",
        ),
        Setup(
            "plank",
            pl,
            len(pl) // 2,
            -90,
            "dark",
            "Plank",
            (
                "side-on, square to the body",
                "lens low: 30-50 cm",
                "head to heels in frame",
                "(hands and feet too)",
            ),
            "",
        ),
        Setup(
            "kbswing",
            sw,
            sw.reps[0].peak,  # the float: the bell furthest forward
            90,
            "red",
            "Kettlebell swing",
            (
                "side-on",
                "lens at hip height, level",
                "whole body and the bell in",
                "frame at the top and deep",
                "in the backswing",
            ),
            "kettlebell",
        ),
    ]


def _text(img, text, org, scale=0.5, colour=INK, thick=1) -> None:
    cv2.putText(img, text, org, FONT, scale, colour, thick, cv2.LINE_AA)


def _dashed_rect(img, p0, p1, colour, dash=10) -> None:
    (x0, y0), (x1, y1) = p0, p1
    for x in range(x0, x1, 2 * dash):
        cv2.line(img, (x, y0), (min(x + dash, x1), y0), colour, 2, cv2.LINE_AA)
        cv2.line(img, (x, y1), (min(x + dash, x1), y1), colour, 2, cv2.LINE_AA)
    for y in range(y0, y1, 2 * dash):
        cv2.line(img, (x0, y), (x0, min(y + dash, y1)), colour, 2, cv2.LINE_AA)
        cv2.line(img, (x1, y), (x1, min(y + dash, y1)), colour, 2, cv2.LINE_AA)


def camera_frame(setup: Setup) -> np.ndarray:
    """The rendered view with the 'keep the body inside' margin marked."""
    camera = side_camera(setup.motion, FRAME, yaw_deg=setup.yaw_deg)
    frames = render_frames(setup.motion, camera, FRAME, LOOKS[setup.look])
    rgb = next(f for i, f in enumerate(frames) if i == setup.frame)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    w, h = FRAME
    m = int(0.06 * h)
    _dashed_rect(bgr, (m, m), (w - m, h - m), GOOD)
    label = "keep the whole body inside"
    (tw, th), _ = cv2.getTextSize(label, FONT, 0.5, 1)
    cv2.rectangle(bgr, (m + 6, m + 6), (m + 14 + tw, m + 14 + th + 4), (255, 255, 255), -1)
    _text(bgr, label, (m + 10, m + 10 + th), 0.5, GOOD)
    return bgr


def plan_view(setup: Setup, distance_m: float) -> np.ndarray:
    """Bird's-eye sketch: the person (facing arrow), the equipment and the camera."""
    h = FRAME[1]
    img = np.full((h, PLAN_W, 3), 250, np.uint8)
    _text(img, setup.title, (16, 34), 0.75, INK, 2)
    _text(img, "seen from above", (16, 56), 0.45, MUTED)
    person = (PLAN_W // 2, 140)
    cam = (PLAN_W // 2, 300)
    cv2.ellipse(img, person, (34, 14), 0, 0, 360, (180, 120, 60), -1, cv2.LINE_AA)  # shoulders
    cv2.circle(img, person, 10, (120, 160, 220), -1, cv2.LINE_AA)  # head
    face = 1 if setup.yaw_deg > 0 else -1
    # The camera is on the person's side: they face across the picture (image right or left).
    tip = (person[0] + face * 60, person[1])
    cv2.arrowedLine(img, person, tip, INK, 2, cv2.LINE_AA, tipLength=0.3)
    _text(img, "faces", (tip[0] + 8 if face > 0 else tip[0] - 48, person[1] + 5), 0.4, MUTED)
    if setup.prop == "barbell":
        bar_x = person[0] + face * 18
        cv2.line(img, (bar_x, person[1] - 62), (bar_x, person[1] + 62), (90, 90, 90), 3)
        for dy in (-62, 62):
            cv2.rectangle(
                img, (bar_x - 22, person[1] + dy - 5), (bar_x + 22, person[1] + dy + 5), INK, -1
            )
    elif setup.prop == "kettlebell":
        cv2.circle(img, (person[0] + face * 30, person[1]), 9, INK, -1, cv2.LINE_AA)
    if setup.name == "plank":
        # Lying along the facing direction: draw the legs behind the shoulders.
        cv2.line(img, person, (person[0] - face * 95, person[1]), (60, 60, 70), 10, cv2.LINE_AA)
    # The camera and its field of view, aimed square at the side of the body.
    cv2.line(img, cam, (cam[0] - 95, person[1] - 20), (170, 200, 170), 1, cv2.LINE_AA)
    cv2.line(img, cam, (cam[0] + 95, person[1] - 20), (170, 200, 170), 1, cv2.LINE_AA)
    cv2.rectangle(img, (cam[0] - 16, cam[1] - 9), (cam[0] + 16, cam[1] + 9), INK, -1)
    cv2.circle(img, (cam[0], cam[1] - 9), 5, (200, 200, 200), -1, cv2.LINE_AA)
    for y in range(person[1] + 24, cam[1] - 16, 10):
        cv2.line(img, (cam[0] + 40, y), (cam[0] + 40, y + 5), GOOD, 2)
    _text(img, f"~{distance_m:.1f} m", (cam[0] + 48, (person[1] + cam[1]) // 2 + 5), 0.55, GOOD, 2)
    _text(img, "camera", (cam[0] - 28, cam[1] + 30), 0.45, MUTED)
    y = 360
    for line in setup.lines:
        _text(img, line, (16, y), 0.45, INK)
        y += 20
    return img


def phone_distance(setup: Setup) -> float:
    """How far a phone's 1x lens must stand to frame the motion like the picture (metres)."""
    camera = side_camera(setup.motion, FRAME, yaw_deg=setup.yaw_deg, margin=0.06)
    return float(camera.distance_m * PHONE_FOCAL_MM / camera.focal_mm)


def setup_picture(setup: Setup) -> np.ndarray:
    frame = camera_frame(setup)
    plan = plan_view(setup, phone_distance(setup))
    return np.concatenate([frame, np.full((FRAME[1], 4, 3), 255, np.uint8), plan], axis=1)


def overlay_picture() -> np.ndarray:
    """A frame of the leaning-back swing sample with the overlay, from its exact landmarks."""
    from formcheck.engine.analyze import analyze_series
    from formcheck.outputs.annotate import annotated_frames
    from formcheck.synth import GroundTruth

    clip = ROOT / "samples" / "kbswing_leanback.mp4"
    series = GroundTruth.load(clip).to_pose_series()
    result = analyze_series(series, "kbswing")
    fault = max(result.faults, key=lambda f: f.severity)
    t = float(series.time_ms[np.argmin(np.abs(series.time_ms - fault.start_ms - 60))])
    return annotated_frames(clip, series, result, [t])[t]


def report_screenshot(out: Path) -> bool:
    """The top of the swing sample's report, as chromium renders it (False if no chromium)."""
    browser = next(
        (b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None
    )
    if browser is None:
        print("no chromium: skipped the report screenshot", file=sys.stderr)
        return False
    from formcheck.engine.analyze import analyze_series
    from formcheck.outputs.annotate import write_annotated_video
    from formcheck.outputs.report_html import write_report
    from formcheck.synth import GroundTruth

    clip = ROOT / "samples" / "kbswing_leanback.mp4"
    series = GroundTruth.load(clip).to_pose_series()
    result = analyze_series(series, "kbswing")
    with tempfile.TemporaryDirectory() as tmp:
        video = write_annotated_video(clip, series, result, Path(tmp) / "a.mp4")
        report = write_report(
            Path(tmp) / "report.html", clip, series, result, annotated_video=video.path
        )
        shot = Path(tmp) / "shot.png"
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-background-networking",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--window-size=980,1500",
                f"--screenshot={shot}",
                report.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        img = cv2.imread(str(shot))
    img = cv2.resize(
        img, (img.shape[1] * 2 // 3, img.shape[0] * 2 // 3), interpolation=cv2.INTER_AREA
    )
    cv2.imwrite(str(out), img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-shot", action="store_true", help="also screenshot a report")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for setup in setups():
        path = OUT / f"setup_{setup.name}.png"
        cv2.imwrite(str(path), setup_picture(setup), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        written.append(path)
    path = OUT / "overlay.png"
    cv2.imwrite(str(path), overlay_picture(), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    written.append(path)
    if args.report_shot and report_screenshot(OUT / "report.png"):
        written.append(OUT / "report.png")
    for path in written:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

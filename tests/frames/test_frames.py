"""Frame sources, on small real media written into tmp_path (and one real clip if present)."""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.errors import ConfigError, InputError
from formcheck.frames import (
    CameraSource,
    Frame,
    FrameSource,
    RealtimeVideoSource,
    natural_key,
    open_source,
)
from formcheck.frames.core import rotate_clockwise, sane_fps, scaled_size
from formcheck.frames.damage import describe_damage

av = pytest.importorskip("av")


RED = (255, 0, 0)
BLUE = (0, 0, 255)


# --------------------------------------------------------------------------- media factories
def green_of(i: int) -> int:
    """The green level that encodes frame number ``i`` (coarse: survives compression)."""
    return min(255, 10 + 15 * i)


def numbered_frames(n: int, width: int = 64, height: int = 48) -> list[np.ndarray]:
    """RGB frames whose green channel encodes the frame number."""
    frames = []
    for i in range(n):
        img = np.zeros((height, width, 3), np.uint8)
        img[..., 1] = green_of(i)
        frames.append(img)
    return frames


def split_frame(width: int = 64, height: int = 32) -> np.ndarray:
    """Left half red, right half blue: shows both colour order and orientation."""
    img = np.zeros((height, width, 3), np.uint8)
    img[:, : width // 2] = RED
    img[:, width // 2 :] = BLUE
    return img


def write_cv2(path: Path, frames: list[np.ndarray], fps: float, fourcc: str = "mp4v") -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"cv2 cannot write {fourcc}"
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_av(
    path: Path,
    frames: list[np.ndarray],
    fps: int,
    codec: str = "libx264",
    rotation: int | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    container = av.open(str(path), "w", options=options or {})
    stream = container.add_stream(codec, rate=fps)
    stream.height, stream.width = frames[0].shape[:2]
    stream.pix_fmt = "yuv420p"
    if rotation is not None:
        stream.set_display_rotation(rotation)  # counter-clockwise, as phones store it
    for rgb in frames:
        for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def read_all(source: FrameSource) -> list[Frame]:
    with source:
        return list(source)


def assert_red(rgb: np.ndarray) -> None:
    r, g, b = rgb.reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 40 and b < 40, (r, g, b)


def assert_blue(rgb: np.ndarray) -> None:
    r, g, b = rgb.reshape(-1, 3).mean(axis=0)
    assert b > 200 and r < 40 and g < 40, (r, g, b)


def assert_increasing(frames: list[Frame]) -> None:
    times = np.array([f.time_ms for f in frames])
    assert np.all(np.diff(times) > 0)


# --------------------------------------------------------------------------- videos
def test_mp4v_video_counts_shape_rgb_and_times(tmp_path: Path) -> None:
    frames = [np.full((48, 64, 3), RED, np.uint8)] * 12
    path = write_cv2(tmp_path / "red.mp4", frames, fps=25)
    source = open_source(path)
    assert source.info.frame_count == 12
    assert (source.info.width, source.info.height) == (64, 48)
    assert source.info.fps == pytest.approx(25)
    assert not source.info.is_live
    out = read_all(source)
    assert len(out) == 12
    for i, frame in enumerate(out):
        assert frame.rgb.shape == (48, 64, 3) and frame.rgb.dtype == np.uint8
        assert frame.rgb.flags.c_contiguous
        assert frame.index == i
        assert frame.time_ms == pytest.approx(i * 40.0)
        assert_red(frame.rgb)  # channel 0 is red: RGB, not OpenCV's BGR


def test_h264_video_with_pyav(tmp_path: Path) -> None:
    path = write_av(tmp_path / "clip.mp4", numbered_frames(15), fps=30)
    out = read_all(open_source(path))
    assert len(out) == 15
    assert_increasing(out)
    green = np.array([f.rgb[..., 1].mean() for f in out])
    assert np.all(np.diff(green) > 5)  # frames come out in order
    assert out[-1].time_ms == pytest.approx(14 * 1000 / 30)


@pytest.mark.parametrize(
    ("suffix", "writer"),
    [
        (".avi", lambda p, f: write_cv2(p, f, 20, "MJPG")),
        (".mov", lambda p, f: write_av(p, f, 20)),
        (".mkv", lambda p, f: write_av(p, f, 20)),
        (".webm", lambda p, f: write_av(p, f, 20, codec="libvpx-vp9")),
    ],
)
def test_other_containers(tmp_path: Path, suffix: str, writer) -> None:
    path = writer(tmp_path / f"clip{suffix}", numbered_frames(8))
    source = open_source(path)
    assert source.info.fps == pytest.approx(20)
    out = read_all(source)
    assert len(out) == 8
    assert_increasing(out)
    assert out[3].time_ms == pytest.approx(150.0)


def test_gif_frames_and_fps(tmp_path: Path) -> None:
    image_mod = pytest.importorskip("PIL.Image")
    colours = [RED, BLUE, RED, BLUE, RED]
    images = [image_mod.fromarray(np.full((20, 30, 3), c, np.uint8)) for c in colours]
    path = tmp_path / "anim.gif"
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)
    source = open_source(path)
    assert source.info.fps == pytest.approx(10)
    out = read_all(source)
    assert len(out) == 5
    assert [f.time_ms for f in out] == pytest.approx([0, 100, 200, 300, 400])
    assert_red(out[0].rgb)
    assert_blue(out[1].rgb)


def test_stride_keeps_true_times(tmp_path: Path) -> None:
    path = write_av(tmp_path / "clip.mp4", numbered_frames(10), fps=30)
    source = open_source(path, stride=3)
    assert source.info.frame_count == 4
    assert source.info.fps == pytest.approx(10)
    out = read_all(source)
    assert [f.index for f in out] == [0, 3, 6, 9]
    assert [f.time_ms for f in out] == pytest.approx([0, 100, 200, 300])


def test_max_size_downscales_keeping_aspect(tmp_path: Path) -> None:
    path = write_cv2(tmp_path / "wide.mp4", [split_frame(200, 100)] * 3, fps=30)
    source = open_source(path, max_size=50)
    assert (source.info.width, source.info.height) == (50, 25)
    out = read_all(source)
    assert all(f.rgb.shape == (25, 50, 3) for f in out)
    assert_red(out[0].rgb[:, :20])
    assert_blue(out[0].rgb[:, 30:])


def test_max_size_never_upscales(tmp_path: Path) -> None:
    path = write_cv2(tmp_path / "small.mp4", numbered_frames(2), fps=30)
    source = open_source(path, max_size=1000)
    assert (source.info.width, source.info.height) == (64, 48)
    assert read_all(source)[0].rgb.shape == (48, 64, 3)


def test_scaled_size() -> None:
    assert scaled_size(1920, 1080, 640) == (640, 360)
    assert scaled_size(1080, 1920, 640) == (360, 640)
    assert scaled_size(600, 600, 640) == (600, 600)
    assert scaled_size(600, 600, None) == (600, 600)


def test_video_fps_override_and_sane_fps(tmp_path: Path) -> None:
    path = write_av(tmp_path / "clip.mp4", numbered_frames(4), fps=30)
    out = read_all(open_source(path, fps=240))  # e.g. slow motion stored as 30 fps
    assert out[1].time_ms == pytest.approx(1000 / 240)
    assert sane_fps(0.0) == 30.0
    assert sane_fps(math.nan) == 30.0
    assert sane_fps(90000.0) == 30.0
    assert sane_fps(0.0, default=10.0) == 10.0
    assert sane_fps(29.97) == pytest.approx(29.97)


def test_video_can_be_iterated_twice(tmp_path: Path) -> None:
    path = write_av(tmp_path / "clip.mp4", numbered_frames(6), fps=30)
    with open_source(path) as source:
        first = [f.rgb[..., 1].mean() for f in source]
        second = [f.rgb[..., 1].mean() for f in source]
    assert len(first) == len(second) == 6
    assert first == pytest.approx(second)


def test_closed_source_refuses_iteration(tmp_path: Path) -> None:
    source = open_source(write_av(tmp_path / "clip.mp4", numbered_frames(3), fps=30))
    source.close()
    source.close()  # idempotent
    assert source.closed
    with pytest.raises(ValueError, match="closed"):
        iter(source)


# --------------------------------------------------------------------------- rotation
@pytest.mark.parametrize(
    ("ccw", "clockwise", "top", "bottom"),
    [(90, 270, BLUE, RED), (-90, 90, RED, BLUE), (180, 180, None, None)],
)
def test_rotated_phone_video_comes_out_upright(
    tmp_path: Path, ccw: int, clockwise: int, top, bottom
) -> None:
    # A landscape frame, left red / right blue, stored with a display-matrix rotation the way
    # phones do. Upright, a 90-degree rotation makes it portrait with the halves top and bottom.
    path = write_av(tmp_path / "phone.mp4", [split_frame(64, 32)] * 4, fps=30, rotation=ccw)
    source = open_source(path)
    assert source.info.rotation_deg == clockwise
    out = read_all(source)
    assert len(out) == 4
    rgb = out[0].rgb
    if clockwise == 180:
        assert rgb.shape == (32, 64, 3)
        assert_blue(rgb[:, :28])  # left and right swapped
        assert_red(rgb[:, 36:])
    else:
        assert rgb.shape == (64, 32, 3)
        assert (source.info.width, source.info.height) == (32, 64)
        (assert_red if top == RED else assert_blue)(rgb[:28])
        (assert_red if bottom == RED else assert_blue)(rgb[36:])


def test_manual_rotation_matches_opencv_auto_rotation(tmp_path: Path) -> None:
    # The fallback for builds that ignore CAP_PROP_ORIENTATION_AUTO must agree with OpenCV.
    path = write_av(tmp_path / "phone.mp4", [split_frame(64, 32)], fps=30, rotation=90)
    auto = read_all(open_source(path))[0].rgb
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    meta = cap.get(cv2.CAP_PROP_ORIENTATION_META)
    ok, raw = cap.read()
    cap.release()
    assert ok and raw.shape[:2] == (32, 64)
    manual = cv2.cvtColor(rotate_clockwise(raw, int(meta)), cv2.COLOR_BGR2RGB)
    assert manual.shape == auto.shape
    assert np.abs(manual.astype(int) - auto.astype(int)).mean() < 2


# --------------------------------------------------------------------------- stills, folders
@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_still_image_is_one_frame_at_zero(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"still{suffix}"
    cv2.imwrite(str(path), cv2.cvtColor(np.full((80, 120, 3), RED, np.uint8), cv2.COLOR_RGB2BGR))
    source = open_source(path, max_size=60)
    assert source.info.frame_count == 1
    assert (source.info.width, source.info.height) == (60, 40)
    out = read_all(source)
    assert len(out) == 1
    assert out[0].time_ms == 0.0 and out[0].index == 0
    assert_red(out[0].rgb)


def test_still_photo_exif_orientation_is_applied(tmp_path: Path) -> None:
    image_mod = pytest.importorskip("PIL.Image")
    img = image_mod.fromarray(split_frame(40, 20))
    exif = image_mod.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display", as a phone held upright writes it
    path = tmp_path / "photo.jpg"
    img.save(path, exif=exif, quality=95)
    source = open_source(path)
    assert source.info.rotation_deg == 90
    rgb = read_all(source)[0].rgb
    assert rgb.shape == (40, 20, 3)
    assert_red(rgb[:16])  # the left half is now on top
    assert_blue(rgb[24:])


def write_folder(folder: Path, names: list[str], size: tuple[int, int] = (32, 24)) -> None:
    folder.mkdir()
    for value, name in enumerate(names):
        img = np.full((size[1], size[0], 3), 20 + 20 * value, np.uint8)
        cv2.imwrite(str(folder / name), img)


def test_folder_natural_order_and_times(tmp_path: Path) -> None:
    names = ["frame_1.png", "frame_2.png", "frame_10.png", "Frame_11.png"]
    write_folder(tmp_path / "shots", [names[i] for i in (2, 0, 3, 1)])  # written out of order
    (tmp_path / "shots" / "notes.txt").write_text("not an image")
    (tmp_path / "shots" / "sub").mkdir()
    source = open_source(tmp_path / "shots")
    assert source.info.frame_count == 4
    assert source.info.fps == 30.0
    out = read_all(source)
    values = [int(f.rgb[0, 0, 0]) for f in out]
    assert values == [40, 80, 20, 60]  # the values written for frame_1, _2, _10, _11
    assert [f.time_ms for f in out] == pytest.approx([0, 1000 / 30, 2000 / 30, 3000 / 30])
    assert sorted(names, key=natural_key) == names


def test_folder_fps_and_stride(tmp_path: Path) -> None:
    write_folder(tmp_path / "shots", [f"{i:03d}.jpg" for i in range(5)], size=(64, 48))
    source = open_source(tmp_path / "shots", fps=10, stride=2, max_size=32)
    assert source.info.fps == pytest.approx(5)
    assert source.info.frame_count == 3
    assert (source.info.width, source.info.height) == (32, 24)
    out = read_all(source)
    assert [f.index for f in out] == [0, 2, 4]
    assert [f.time_ms for f in out] == pytest.approx([0, 200, 400])


def test_folder_with_mixed_sizes_fails_clearly(tmp_path: Path) -> None:
    write_folder(tmp_path / "shots", ["a1.png", "a2.png"])
    cv2.imwrite(str(tmp_path / "shots" / "a3.png"), np.zeros((10, 10, 3), np.uint8))
    source = open_source(tmp_path / "shots")
    with pytest.raises(InputError, match="same size"):
        read_all(source)


# --------------------------------------------------------------------------- in memory
def test_in_memory_list_tuple_and_array() -> None:
    frames = numbered_frames(5)
    for spec in (frames, tuple(frames), np.stack(frames)):
        source = open_source(spec)
        assert source.info.fps == 30.0 and source.info.frame_count == 5
        out = read_all(source)
        assert [f.index for f in out] == list(range(5))
        assert out[2].time_ms == pytest.approx(2000 / 30)
        assert np.array_equal(out[4].rgb, frames[4])


def test_in_memory_fps_stride_and_resize() -> None:
    source = open_source([split_frame(100, 50)] * 6, fps=12, stride=2, max_size=40)
    assert source.info.fps == pytest.approx(6)
    out = read_all(source)
    assert [f.time_ms for f in out] == pytest.approx([0, 1000 / 6, 2000 / 6])
    assert out[0].rgb.shape == (20, 40, 3)
    assert_red(out[0].rgb[:, :15])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "empty"),
        ([np.zeros((4, 4), np.uint8)], "expected \\(H, W, 3\\) uint8"),
        ([np.zeros((4, 4, 3), np.float32)], "expected \\(H, W, 3\\) uint8"),
        ([np.zeros((4, 4, 3), np.uint8), np.zeros((5, 4, 3), np.uint8)], "frame 0 has"),
        (np.zeros((4, 4, 3), np.uint8), "\\(T, H, W, 3\\)"),
    ],
)
def test_in_memory_bad_frames(spec, message: str) -> None:
    with pytest.raises(InputError, match=message):
        open_source(spec)


def test_frame_validates_its_pixels() -> None:
    with pytest.raises(ValueError, match="uint8"):
        Frame(np.zeros((4, 4, 3), np.float32), 0.0, 0)
    with pytest.raises(ValueError, match="contiguous"):
        Frame(np.zeros((4, 8, 3), np.uint8)[:, ::2], 0.0, 0)


# --------------------------------------------------------------------------- live
def test_realtime_file_drops_frames_for_a_slow_consumer(tmp_path: Path) -> None:
    path = write_av(tmp_path / "clip.mp4", numbered_frames(30), fps=50)  # 0.6 s of video
    source = open_source(path, realtime=True)
    assert isinstance(source, RealtimeVideoSource)
    assert source.info.is_live and source.info.frame_count is None
    out = []
    with source:
        for frame in source:
            out.append(frame)
            time.sleep(0.06)  # three frame periods per frame: a consumer that cannot keep up
    indices = [f.index for f in out]
    assert source.dropped_frames > 0
    assert len(out) < 30
    assert np.all(np.diff(indices) > 0)
    assert len(out) + source.dropped_frames <= 30
    assert [f.time_ms for f in out] == pytest.approx([i * 20.0 for i in indices])
    # The pixels belong to the frame the index claims (green channel encodes the number).
    assert out[-1].rgb[..., 1].mean() == pytest.approx(green_of(indices[-1]), abs=6)


def test_camera_source_serves_only_the_newest_frame(tmp_path: Path) -> None:
    # A video file behind CameraSource: the grabber thread races ahead of a slow consumer.
    path = write_av(tmp_path / "clip.mp4", numbered_frames(40), fps=30)
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    ok, first = cap.read()
    assert ok
    source = CameraSource(cap, first, name="fake camera", max_size=32, max_read_failures=1)
    assert source.info.is_live and source.info.name == "fake camera"
    out = []
    with source:
        for frame in source:
            out.append(frame)
            time.sleep(0.01)
    assert source.dropped_frames > 0
    assert len(out) + source.dropped_frames == 40  # every frame either served or dropped
    assert np.all(np.diff([f.index for f in out]) > 0)
    assert_increasing(out)
    assert out[0].rgb.shape == (24, 32, 3)


@pytest.mark.parametrize("spec", [97, "97"])
def test_missing_camera_is_an_input_error(spec) -> None:
    with pytest.raises(InputError) as err:
        open_source(spec)
    assert "camera 97 could not be opened" in str(err.value)
    assert "--camera 0" in err.value.hint


# --------------------------------------------------------------------------- bad input
def _truncated(tmp_path: Path, fraction: float) -> Path:
    # faststart puts the index first, so a cut file still opens: the partial-download case.
    full = write_av(
        tmp_path / "full.mp4",
        [np.random.default_rng(i).integers(0, 255, (48, 64, 3), np.uint8) for i in range(40)],
        fps=30,
        options={"movflags": "faststart"},
    )
    data = full.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    return cut


def test_truncated_video_yields_what_it_can(tmp_path: Path) -> None:
    source = open_source(_truncated(tmp_path, 0.5))
    assert source.info.frame_count == 40  # the container still claims all of them
    out = read_all(source)
    assert 0 < len(out) < 40
    assert_increasing(out)
    # Reported as damage (the analyse output, the JSON and the batch row say it), not logged.
    damage = source.damage()
    assert damage.incomplete and damage.short_frames == 40 - len(out)
    assert "cut short" in describe_damage(damage)


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[object, type[Exception], str]]:
    text_video = tmp_path / "notes.mp4"
    text_video.write_text("this is not a video")
    empty_video = tmp_path / "empty.mov"
    empty_video.write_bytes(b"")
    bad_png = tmp_path / "broken.png"
    bad_png.write_text("not a png")
    empty_dir = tmp_path / "empty_dir"
    empty_dir.mkdir()
    (empty_dir / "readme.txt").write_text("no images here")
    broken_dir = tmp_path / "broken_dir"
    write_folder(broken_dir, ["f1.png"])
    (broken_dir / "f2.png").write_text("broken")
    return {
        "missing": (tmp_path / "nope.mp4", InputError, "File not found"),
        "text as mp4": (text_video, InputError, "could not be opened as a video"),
        "empty file": (empty_video, InputError, "could not be opened as a video"),
        "no frames": (_truncated(tmp_path, 0.02), InputError, "no frames could be decoded"),
        "bad image": (bad_png, InputError, "could not be read as an image"),
        "empty folder": (empty_dir, InputError, f"no images found in folder {empty_dir}"),
        "broken folder": (broken_dir, InputError, "could not be read as images: f2.png"),
        "negative camera": (-1, InputError, "camera index"),
    }


BAD_CASES = [
    "missing",
    "text as mp4",
    "empty file",
    "no frames",
    "bad image",
    "empty folder",
    "broken folder",
    "negative camera",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_raises_at_open_with_a_hint(tmp_path: Path, case: str) -> None:
    spec, error, message = _bad_inputs(tmp_path)[case]
    with pytest.raises(error, match=message) as err:
        open_source(spec)  # type: ignore[arg-type]
    assert err.value.hint  # every error says what to do


def test_realtime_only_for_videos(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="real-time"):
        open_source(numbered_frames(2), realtime=True)
    write_folder(tmp_path / "shots", ["a.png"])
    with pytest.raises(ConfigError, match="real-time"):
        open_source(tmp_path / "shots", realtime=True)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_size": 0}, "max_size"),
        ({"max_size": -5}, "max_size"),
        ({"max_size": 10.5}, "max_size"),
        ({"max_size": True}, "max_size"),
        ({"stride": 0}, "stride"),
        ({"stride": 1.5}, "stride"),
        ({"fps": 0}, "fps"),
        ({"fps": -1}, "fps"),
        ({"fps": math.nan}, "fps"),
        ({"fps": math.inf}, "fps"),
        ({"fps": "30"}, "fps"),
    ],
)
def test_invalid_options_are_config_errors(options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        open_source(numbered_frames(2), **options)
    assert err.value.hint


# --------------------------------------------------------------------------- real footage
@pytest.mark.shared
def test_real_clip_frame_count_matches_manifest(shared_data) -> None:
    clip = shared_data / "clips" / "plank_good_side_01.mp4"
    manifest = shared_data / "MANIFEST.csv"
    if not clip.is_file() or not manifest.is_file():
        pytest.skip(f"real clips not available at {shared_data}")
    with manifest.open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["file"] == clip.name)
    with open_source(clip, max_size=320, stride=4) as source:
        assert source.info.width == 320 and source.info.height == 180
        last, count = -1.0, 0
        for frame in source:  # streamed: only one frame alive at a time
            assert frame.time_ms > last and frame.rgb.shape == (180, 320, 3)
            last, count = frame.time_ms, count + 1
    expected = int(row["frames"])
    assert abs(count - math.ceil(expected / 4)) <= 1
    assert source.info.fps * 4 == pytest.approx(float(row["fps"]), rel=0.01)
    assert last / 1000 == pytest.approx(float(row["duration_s"]), abs=0.2)

"""Rebuild formcheck's BlazePose landmarker bundles (`pose_landmarker_<variant>.task`).

Google's official `.task` bundles are downloaded from its storage at run time, which formcheck
never does. Instead this script assembles them from the Apache-2.0 model files published in two
ordinary packages, fetched with their ordinary clients:

- `pip download mediapipe==0.10.21` (the cp311 manylinux wheel) ships
  `pose_detection.tflite` (the person detector) and `pose_landmark_full.tflite`;
- `npm pack @mediapipe/pose@0.5.1675469404` ships `pose_landmark_lite.tflite`,
  `pose_landmark_full.tflite` (byte-identical to the wheel's) and `pose_landmark_heavy.tflite`.

The raw files have no TFLite model metadata, and the Tasks API refuses a float32 image input
without NormalizationOptions. So each model gets a metadata flatbuffer (identifier ``M001``)
describing its image input (RGB; detector mean/std 127.5 -> range [-1, 1]; landmark model mean 0,
std 255 -> range [0, 1]), appended as a new buffer and referenced from the model's ``metadata``
list under the name ``TFLITE_METADATA``. The two models are then stored (not deflated: the Tasks
API requires that) in a zip with fixed timestamps, so rebuilding gives byte-identical bundles.

Usage:
    python models/build.py                      # lite and full into models/, checks SHA256SUMS
    python models/build.py --variants heavy     # the 31 MB heavy bundle (not committed)
    python models/build.py --cache DIR          # reuse downloaded packages from DIR
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_PLATFORM = ["--python-version", "3.11", "--platform", "manylinux_2_28_x86_64"]
NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"

# SHA-256 of the upstream files, so a changed upstream package is noticed, not silently shipped.
UPSTREAM_SHA256 = {
    "pose_detection.tflite": "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "pose_landmark_lite.tflite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "pose_landmark_full.tflite": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "pose_landmark_heavy.tflite": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}

# Normalisation the two networks were trained with: pixel' = (pixel - mean) / std.
DETECTOR_NORMALISATION = (127.5, 127.5)  # input range [-1, 1]
LANDMARKER_NORMALISATION = (0.0, 255.0)  # input range [0, 1]

# Fixed zip timestamp: reproducible bundles regardless of when they are built.
ZIP_DATE_TIME = (2024, 1, 1, 0, 0, 0)

VARIANTS = ("lite", "full", "heavy")
COMMITTED_VARIANTS = ("lite", "full")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- fetching
def fetch_upstream(cache: Path) -> dict[str, bytes]:
    """Download (or reuse from ``cache``) the two packages and return the raw model files."""
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("mediapipe-0.10.21-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             *WHEEL_PLATFORM, WHEEL_REQUIREMENT, "-d", str(cache)],
            check=True,
        )  # fmt: skip
        wheels = sorted(cache.glob("mediapipe-0.10.21-*.whl"))
    tarballs = sorted(cache.glob("mediapipe-pose-*.tgz"))
    if not tarballs:
        subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], check=True, cwd=cache)
        tarballs = sorted(cache.glob("mediapipe-pose-*.tgz"))
    if not wheels or not tarballs:
        raise SystemExit("could not download the mediapipe wheel or the @mediapipe/pose package")

    files: dict[str, bytes] = {}
    with zipfile.ZipFile(wheels[0]) as wheel:
        files["pose_detection.tflite"] = wheel.read(
            "mediapipe/modules/pose_detection/pose_detection.tflite"
        )
        wheel_full = wheel.read("mediapipe/modules/pose_landmark/pose_landmark_full.tflite")
    with tarfile.open(tarballs[0]) as tar:
        for variant in VARIANTS:
            member = tar.extractfile(f"package/pose_landmark_{variant}.tflite")
            assert member is not None
            files[f"pose_landmark_{variant}.tflite"] = member.read()
    if wheel_full != files["pose_landmark_full.tflite"]:
        raise SystemExit("the wheel's and the npm package's full landmark models differ")

    for name, data in files.items():
        digest = sha256_bytes(data)
        if digest != UPSTREAM_SHA256[name]:
            raise SystemExit(f"upstream {name} changed: sha256 {digest}")
    return files


# --------------------------------------------------------------------------- metadata
def _schema_modules():
    # The generated flatbuffers modules ship inside mediapipe itself; only `flatbuffers` is extra.
    from mediapipe.tasks.metadata import metadata_schema_py_generated as metadata_fb
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    return metadata_fb, tflite_fb


def build_metadata(name: str, mean: float, std: float, num_outputs: int) -> bytes:
    """Serialise a ModelMetadata flatbuffer describing one RGB image input."""
    import flatbuffers

    metadata_fb, _ = _schema_modules()

    normalization = metadata_fb.NormalizationOptionsT()
    normalization.mean = [mean]
    normalization.std = [std]
    process_unit = metadata_fb.ProcessUnitT()
    process_unit.optionsType = metadata_fb.ProcessUnitOptions.NormalizationOptions
    process_unit.options = normalization

    image_properties = metadata_fb.ImagePropertiesT()
    image_properties.colorSpace = metadata_fb.ColorSpaceType.RGB
    content = metadata_fb.ContentT()
    content.contentPropertiesType = metadata_fb.ContentProperties.ImageProperties
    content.contentProperties = image_properties

    value_range = metadata_fb.ValueRangeT()
    value_range.min = 0
    value_range.max = 255
    stats = metadata_fb.StatsT()
    stats.max = [(255.0 - mean) / std]
    stats.min = [(0.0 - mean) / std]

    image_input = metadata_fb.TensorMetadataT()
    image_input.name = "image"
    image_input.description = "RGB image"
    image_input.content = content
    image_input.processUnits = [process_unit]
    image_input.stats = stats

    outputs = []
    for index in range(num_outputs):
        output = metadata_fb.TensorMetadataT()
        output.name = f"output_{index}"
        outputs.append(output)

    subgraph = metadata_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image_input]
    subgraph.outputTensorMetadata = outputs

    model_metadata = metadata_fb.ModelMetadataT()
    model_metadata.name = name
    model_metadata.description = "BlazePose GHUM 3D (Apache-2.0), metadata added by formcheck"
    model_metadata.version = "formcheck-1"
    model_metadata.license = "Apache-2.0"
    model_metadata.minParserVersion = "1.0.0"
    model_metadata.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(1024)
    builder.Finish(model_metadata.Pack(builder), file_identifier=b"M001")
    return bytes(builder.Output())


def _tensor_aligned_builder(size: int):
    """A flatbuffers Builder that 16-byte aligns numpy vectors (tensor data).

    TFLite maps weights in place only when they are aligned; otherwise it copies them and logs
    a warning on every model load.
    """
    import flatbuffers

    class TensorAlignedBuilder(flatbuffers.Builder):
        _align_vectors = False

        def StartVector(self, elemSize, numElems, alignment):  # noqa: N802 (flatbuffers API)
            if self._align_vectors:
                alignment = max(alignment, 16)
            return super().StartVector(elemSize, numElems, alignment)

        def CreateNumpyVector(self, x):  # noqa: N802 (flatbuffers API)
            self._align_vectors = True
            try:
                return super().CreateNumpyVector(x)
            finally:
                self._align_vectors = False

    return TensorAlignedBuilder(size)


def add_metadata(model_bytes: bytes, name: str, mean: float, std: float) -> bytes:
    """Return the TFLite model with a TFLITE_METADATA entry describing its image input."""
    _, tflite_fb = _schema_modules()
    model = tflite_fb.ModelT.InitFromObj(tflite_fb.Model.GetRootAsModel(model_bytes, 0))
    if model.metadata and any(m.name == b"TFLITE_METADATA" or m.name == "TFLITE_METADATA"
                              for m in model.metadata):  # fmt: skip
        return model_bytes
    num_outputs = len(model.subgraphs[0].outputs)
    metadata_buffer = tflite_fb.BufferT()
    metadata_buffer.data = np.frombuffer(build_metadata(name, mean, std, num_outputs), np.uint8)
    model.buffers.append(metadata_buffer)
    entry = tflite_fb.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]

    builder = _tensor_aligned_builder(len(model_bytes) + 65536)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


# --------------------------------------------------------------------------- bundling
def _alignment_padding(header_offset: int, member_name: str, alignment: int = 64) -> bytes:
    """A zip extra field that puts the member's data on an ``alignment`` boundary.

    MediaPipe memory-maps the bundle and reads each model in place; TFLite copies (and warns
    about) any tensor whose data is not aligned. Same idea as Android's zipalign (field 0xD935).
    """
    fixed = 30 + len(member_name.encode()) + 4  # local header, name, extra field id and size
    pad = (-(header_offset + fixed)) % alignment
    return (0xD935).to_bytes(2, "little") + pad.to_bytes(2, "little") + b"\0" * pad


def build_bundle(files: dict[str, bytes], variant: str) -> bytes:
    detector = add_metadata(
        files["pose_detection.tflite"], "pose_detector", *DETECTOR_NORMALISATION
    )
    landmarker = add_metadata(
        files[f"pose_landmark_{variant}.tflite"], f"pose_landmarks_{variant}",
        *LANDMARKER_NORMALISATION,
    )  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member_name, data in (
            ("pose_detector.tflite", detector),
            ("pose_landmarks_detector.tflite", landmarker),
        ):
            info = zipfile.ZipInfo(member_name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.extra = _alignment_padding(out.tell(), member_name)
            bundle.writestr(info, data)
    return out.getvalue()


def read_sums(path: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1]] = parts[0]
    return sums


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(COMMITTED_VARIANTS))
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: models/)")
    parser.add_argument("--cache", type=Path, default=None, help="folder for downloaded packages")
    parser.add_argument(
        "--update-sums", action="store_true", help="rewrite SHA256SUMS instead of checking it"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        files = fetch_upstream(args.cache or Path(scratch))
        sums_path = args.out / "SHA256SUMS"
        sums = read_sums(HERE / "SHA256SUMS")
        args.out.mkdir(parents=True, exist_ok=True)
        status = 0
        for variant in args.variants:
            name = f"pose_landmarker_{variant}.task"
            data = build_bundle(files, variant)
            digest = sha256_bytes(data)
            (args.out / name).write_bytes(data)
            expected = sums.get(name)
            if args.update_sums:
                sums[name] = digest
                verdict = "recorded"
            elif expected is None:
                verdict = "no pinned checksum (use --update-sums to record it)"
            elif expected == digest:
                verdict = "matches SHA256SUMS"
            else:
                verdict = f"DIFFERS from SHA256SUMS ({expected})"
                status = 1
            print(f"{name}: {len(data) / 1e6:.1f} MB sha256 {digest} {verdict}")
        if args.update_sums:
            sums_path.write_text("".join(f"{sums[k]}  {k}\n" for k in sorted(sums)))
    return status


if __name__ == "__main__":
    raise SystemExit(main())

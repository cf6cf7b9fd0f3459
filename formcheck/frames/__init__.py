"""Frames in: one iterable interface over videos, webcams, stills, image folders and arrays.

    from formcheck.frames import open_source

    with open_source("clip.mp4", max_size=640) as source:
        print(source.info)
        for frame in source:  # Frame(rgb=(H, W, 3) uint8 RGB, time_ms, index)
            ...

Every source yields upright RGB frames with strictly increasing timestamps, streams instead of
loading everything into memory, and reports unreadable input as ``InputError`` when it is
opened, before any work starts.
"""

from __future__ import annotations

from formcheck.frames.camera import CameraSource
from formcheck.frames.core import Frame, FrameSource
from formcheck.frames.images import (
    IMAGE_EXTENSIONS,
    ArraySource,
    ImageFolderSource,
    StillImageSource,
    natural_key,
)
from formcheck.frames.opener import open_source
from formcheck.frames.video import VIDEO_EXTENSIONS, RealtimeVideoSource, VideoFileSource

__all__ = [
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "ArraySource",
    "CameraSource",
    "Frame",
    "FrameSource",
    "ImageFolderSource",
    "RealtimeVideoSource",
    "StillImageSource",
    "VideoFileSource",
    "natural_key",
    "open_source",
]

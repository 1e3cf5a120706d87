"""Fixtures for driving matplotlib, imageio and MoviePy through framecast's ffmpeg shim.

The shim directory comes from `framecast ffmpeg-shim DIR`; the binary is $FRAMECAST_BIN (set by
tests/python_libraries.rs). ffprobe is an independent oracle for the outputs, never the encoder:
every output is also checked to come from framecast, not from an ffmpeg that a library found on
its own (imageio-ffmpeg bundles one).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def framecast_bin():
    path = os.environ.get("FRAMECAST_BIN")
    assert path and Path(path).exists(), "FRAMECAST_BIN must name the framecast binary"
    return Path(path)


@pytest.fixture(scope="session")
def shim(framecast_bin, tmp_path_factory):
    """The directory holding the `ffmpeg` link, and the link itself."""
    d = tmp_path_factory.mktemp("shim")
    out = subprocess.run([str(framecast_bin), "ffmpeg-shim", str(d)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    link = d / "ffmpeg"
    assert link.exists(), f"ffmpeg-shim made no {link}"
    return link


def probe(path):
    """ffprobe's view of a file: the first video stream (with counted frames) and the format."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )
    info = json.loads(out.stdout)
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    assert video, f"{path} has no video stream"
    return video[0], info["format"]


def keep_for_browser(path, frames):
    """Copies an output to $FRAMECAST_PY_OUTPUTS (when set) for the Chromium playback check of
    tests/python_libraries.rs, with the expected frame count in its name."""
    d = os.environ.get("FRAMECAST_PY_OUTPUTS")
    if d:
        name = f"{Path(path).stem}.{frames}f{Path(path).suffix}"
        shutil.copyfile(path, Path(d) / name)


def assert_framecast_mp4(path, width, height, frames, codec="h264"):
    """An MP4 written by framecast (not by an ffmpeg) with the expected stream."""
    data = Path(path).read_bytes()
    assert data[4:8] == b"ftyp", f"{path} is not an MP4"
    assert b"Lavf" not in data, f"{path} was written by ffmpeg's muxer, not framecast"
    stream, _ = probe(path)
    assert stream["codec_name"] == codec
    assert (stream["width"], stream["height"]) == (width, height)
    assert int(stream["nb_read_frames"]) == frames
    keep_for_browser(path, frames)
    return stream

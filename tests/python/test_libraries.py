"""matplotlib, imageio and MoviePy write videos through framecast's ffmpeg shim, unmodified.

Each library is pointed at the shim the way its users would (docs/ffmpeg-compat.md): matplotlib's
rcParams['animation.ffmpeg_path'], imageio's IMAGEIO_FFMPEG_EXE, MoviePy's FFMPEG_BINARY.
"""

import os
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_framecast_mp4, probe


def frames(n, h, w, channels=3, seed=7):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(h, w, channels), dtype=np.uint8)
    return [np.roll(base, 3 * i, axis=1) for i in range(n)]


# ---- matplotlib -------------------------------------------------------------------------------

@pytest.fixture()
def mpl(shim):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import animation

    matplotlib.rcParams["animation.ffmpeg_path"] = str(shim)
    yield plt, animation
    plt.close("all")


def sine_animation(plt, animation, n=12):
    fig, ax = plt.subplots(figsize=(2, 1.6), dpi=50)  # 100x80 pixels
    x = np.linspace(0, 2 * np.pi, 100)
    (line,) = ax.plot(x, np.sin(x))

    def update(i):
        line.set_ydata(np.sin(x + i / 3))
        return (line,)

    return fig, animation.FuncAnimation(fig, update, frames=n, blit=False)


def test_matplotlib_ffmpeg_writer_mp4(mpl, tmp_path):
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation)
    out = tmp_path / "sine.mp4"
    anim.save(out, writer="ffmpeg", fps=10)
    stream = assert_framecast_mp4(out, 100, 80, 12)
    assert Fraction(stream["r_frame_rate"]) == 10


def test_matplotlib_ffmpeg_writer_with_codec_and_bitrate(mpl, tmp_path):
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation, n=20)
    out = tmp_path / "sine_bitrate.mp4"
    anim.save(out, writer=animation.FFMpegWriter(fps=20, codec="libx264", bitrate=1800))
    assert_framecast_mp4(out, 100, 80, 20)


def test_matplotlib_ffmpeg_file_writer(mpl, tmp_path):
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation, n=8)
    out = tmp_path / "sine_file.mp4"
    anim.save(out, writer="ffmpeg_file", fps=8)
    assert_framecast_mp4(out, 100, 80, 8)


def assert_gif(path, width, height, frames):
    """A GIF with the expected size and number of images (ffprobe counts them)."""
    assert Path(path).read_bytes()[:6] == b"GIF89a", f"{path} is not a GIF89a"
    stream, _ = probe(path)
    assert stream["codec_name"] == "gif"
    assert (stream["width"], stream["height"]) == (width, height)
    assert int(stream["nb_read_frames"]) == frames
    return stream


def test_matplotlib_ffmpeg_writer_gif(mpl, tmp_path):
    # No -vcodec; matplotlib adds its palettegen/paletteuse -filter_complex.
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation)
    out = tmp_path / "sine.gif"
    anim.save(out, writer="ffmpeg", fps=10)
    assert_gif(out, 100, 80, 12)


def test_matplotlib_ffmpeg_file_writer_gif(mpl, tmp_path):
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation, n=8)
    out = tmp_path / "sine_file.gif"
    anim.save(out, writer="ffmpeg_file", fps=8)
    assert_gif(out, 100, 80, 8)


def test_matplotlib_to_html5_video(mpl):
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation, n=6)
    html = anim.to_html5_video()
    assert "<video" in html and "base64" in html


def test_matplotlib_unknown_codec_fails_with_our_message(mpl, tmp_path):
    plt, animation = mpl
    fig, anim = sine_animation(plt, animation, n=3)
    with pytest.raises(Exception) as info:
        anim.save(tmp_path / "bad.mp4", writer=animation.FFMpegWriter(fps=10, codec="libvpx"))
    assert "Unknown encoder 'libvpx'" in str(info.value) or "libvpx" in repr(info.value)


# ---- imageio ----------------------------------------------------------------------------------

@pytest.fixture()
def iio(shim, monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(shim))
    import imageio.v2 as v2
    import imageio.v3 as v3

    return v2, v3


def test_imageio_v2_mimwrite(iio, tmp_path):
    v2, _ = iio
    out = tmp_path / "mim.mp4"
    v2.mimwrite(out, frames(10, 48, 64), fps=10)
    assert_framecast_mp4(out, 64, 48, 10)


def test_imageio_v3_imwrite(iio, tmp_path):
    _, v3 = iio
    out = tmp_path / "v3.mp4"
    v3.imwrite(out, np.stack(frames(9, 48, 64)), plugin="FFMPEG", fps=12)
    assert_framecast_mp4(out, 64, 48, 9)


@pytest.mark.parametrize("channels,name", [(1, "gray"), (4, "rgba")])
def test_imageio_get_writer_quality_8_at_100x80(iio, tmp_path, channels, name):
    v2, _ = iio
    out = tmp_path / f"q8_{name}.mp4"
    with v2.get_writer(out, fps=29.97, quality=8) as w:
        for f in frames(7, 80, 100, channels):
            w.append_data(f[:, :, 0] if channels == 1 else f)
    # imageio asks for -vf scale to a multiple of 16: 112x80.
    stream = assert_framecast_mp4(out, 112, 80, 7)
    assert Fraction(stream["r_frame_rate"]) == Fraction(2997, 100)


def test_imageio_unknown_codec_fails_with_our_message(iio, tmp_path, capfd):
    v2, _ = iio
    # imageio-ffmpeg lets the child write to the inherited stderr and raises when a write to
    # its stdin fails: enough frames to overflow the pipe buffer after framecast refused.
    with pytest.raises(IOError, match="Broken pipe"):
        with v2.get_writer(tmp_path / "bad.mp4", fps=10, codec="mpeg4") as w:
            for f in frames(40, 48, 64):
                w.append_data(f)
    assert "Unknown encoder 'mpeg4'" in capfd.readouterr().err
    assert not (tmp_path / "bad.mp4").exists()


# ---- MoviePy ----------------------------------------------------------------------------------

@pytest.fixture()
def moviepy(shim, monkeypatch):
    monkeypatch.setenv("FFMPEG_BINARY", str(shim))
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(shim))
    import moviepy

    return moviepy


def test_moviepy_write_videofile_odd_size(moviepy, tmp_path):
    from moviepy import VideoClip

    def make_frame(t):
        img = np.zeros((47, 63, 3), dtype=np.uint8)
        img[:, :, 0] = int(255 * t) % 256
        img[:, : int(63 * t) + 1, 1] = 200
        return img

    out = tmp_path / "moviepy.mp4"
    VideoClip(make_frame, duration=1).write_videofile(str(out), fps=10, logger=None)
    # 63x47 is padded to even by default.
    assert_framecast_mp4(out, 64, 48, 10)


def test_moviepy_unknown_codec_fails_with_our_message(moviepy, tmp_path):
    from moviepy import VideoClip

    # MoviePy learns of the failure when a write to the encoder's stdin fails (it ignores the
    # exit code), so the frames must overflow the pipe buffer: 20 frames of 48 KiB.
    clip = VideoClip(lambda t: np.zeros((128, 128, 3), dtype=np.uint8), duration=2)
    with pytest.raises(IOError) as info:
        clip.write_videofile(str(tmp_path / "bad.mp4"), fps=10, codec="libvpx", logger=None)
    assert "Unknown encoder 'libvpx'" in str(info.value)
    assert not (tmp_path / "bad.mp4").exists()

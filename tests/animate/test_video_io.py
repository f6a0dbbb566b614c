"""Video in and out: what the source had (timestamps, rotation, sound) survives; bad files fail in one line."""

from __future__ import annotations

import itertools
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from deepdreamer.animate import video_io
from deepdreamer.animate.video_io import Frame, probe_video, read_frames, upright, write_video
from deepdreamer.errors import DeepDreamError

from .clips import SIZE, pan, sound_packets, video_times, write_clip, write_tone

#: Variable frame rate: gaps of 83, 167, 83, 267, 100, 10 and 290 ms.
VFR_PTS = [0, 83, 250, 333, 600, 700, 710, 1000]
MS = Fraction(1, 1000)


@pytest.fixture(scope="module")
def phone_clip(tmp_path_factory):
    """Like a phone video: H.264 + AAC in MP4, held upright (stored sideways with a 90 degree matrix), VFR."""
    path = tmp_path_factory.mktemp("clips") / "phone.mp4"
    return write_clip(path, pan(len(VFR_PTS)), time_base=MS, pts=VFR_PTS, rotation=90, sound="aac")


@pytest.fixture(scope="module")
def webm_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "clip.webm"
    return write_clip(path, pan(len(VFR_PTS)), time_base=MS, pts=VFR_PTS, rotation=-90, sound="libopus",
                      codec="libvpx-vp9")


def dreamlike(frames: list[Frame]) -> list[Frame]:
    """Stand-in for dreamed frames: changed pixels, the same timing."""
    return [Frame(255 - f.pixels, f.pts, f.duration) for f in frames]


def test_probe_finds_size_count_time_base_rotation_and_sound(phone_clip):
    video = probe_video(phone_clip)
    assert (video.width, video.height) == SIZE
    assert video.frame_count == len(VFR_PTS)
    assert video.rotation == 90
    assert video.sound == "aac"
    assert video.codec == "h264"
    frames = list(read_frames(video))
    assert [f.pts * video.time_base for f in frames] == [t * MS for t in VFR_PTS]
    assert all(a.pts + a.duration == b.pts for a, b in itertools.pairwise(frames))
    assert frames[0].pixels.shape == (SIZE[1], SIZE[0], 3) and frames[0].pixels.dtype == np.uint8
    assert np.abs(frames[3].pixels.astype(int) - pan(len(VFR_PTS))[3]).mean() < 4  # H.264 at crf 23, tiny frames


def test_mp4_round_trip_keeps_timestamps_time_base_rotation_and_sound_bytes(phone_clip, tmp_path):
    source = probe_video(phone_clip)
    frames = dreamlike(list(read_frames(source)))
    write_video(tmp_path / "dream.mp4", frames, source)
    result = probe_video(tmp_path / "dream.mp4")
    assert result.time_base == source.time_base
    assert video_times(tmp_path / "dream.mp4") == video_times(phone_clip)  # exactly: variable frame rate kept
    assert result.end == source.end  # the last frame lasts as long as it did
    assert result.frame_count == source.frame_count
    assert (result.width, result.height) == (source.width, source.height)
    assert result.display_matrix == source.display_matrix and result.rotation == 90
    assert sound_packets(tmp_path / "dream.mp4") == sound_packets(phone_clip)
    back = list(read_frames(result))
    assert np.abs(back[5].pixels.astype(int) - frames[5].pixels).mean() < 4


@pytest.mark.parametrize("suffix", [".webm", ".mkv", ".mp4"])
def test_webm_source_round_trips_to_every_container_that_holds_opus(webm_clip, tmp_path, suffix):
    source = probe_video(webm_clip)
    assert source.rotation == 270 and source.sound == "opus"
    output = tmp_path / f"dream{suffix}"
    write_video(output, dreamlike(list(read_frames(source))), source)
    result = probe_video(output)
    assert video_times(output) == video_times(webm_clip)  # Matroska counts milliseconds, as the source did
    assert result.rotation == 270 and result.frame_count == source.frame_count
    assert sound_packets(output) == sound_packets(webm_clip)


def test_mkv_keeps_the_intervals_and_the_sound_of_an_mp4(phone_clip, tmp_path):
    """Matroska cannot start below zero: AAC's priming packet shifts both tracks alike, the intervals stay."""
    source = probe_video(phone_clip)
    write_video(tmp_path / "dream.mkv", read_frames(source), source)
    times, original = video_times(tmp_path / "dream.mkv"), video_times(phone_clip)
    assert np.allclose(np.diff(np.array(times, float)), np.diff(np.array(original, float)), atol=1e-3)
    assert sound_packets(tmp_path / "dream.mkv") == sound_packets(phone_clip)
    assert probe_video(tmp_path / "dream.mkv").display_matrix == source.display_matrix


def test_gif_is_upright_silent_and_timed_in_hundredths(phone_clip, tmp_path):
    source = probe_video(phone_clip)
    frames = list(read_frames(source))
    write_video(tmp_path / "dream.gif", frames, source)
    result = probe_video(tmp_path / "dream.gif")
    assert (result.width, result.height) == (SIZE[1], SIZE[0])  # turned upright: no rotation metadata in GIF
    assert result.sound is None and result.rotation == 0
    assert np.allclose([float(t) for t in video_times(tmp_path / "dream.gif")], [t / 1000 for t in VFR_PTS],
                       atol=0.005)
    first = next(read_frames(result)).pixels.astype(int)
    assert np.abs(first - upright(frames[0].pixels, 90)).mean() < 12  # 256 colours, dithered


def test_folder_gets_numbered_upright_pngs(phone_clip, tmp_path):
    source = probe_video(phone_clip)
    frames = list(read_frames(source))
    write_video(tmp_path / "frames", frames, source)
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == [f"frame_{i:06d}.png" for i in range(1, len(frames) + 1)]
    assert np.array_equal(np.asarray(Image.open(tmp_path / "frames" / names[2])), upright(frames[2].pixels, 90))
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]  # no temporary folder left


def test_a_folder_that_holds_files_is_refused_before_writing(phone_clip, tmp_path):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "mine.txt").write_text("keep me")
    source = probe_video(phone_clip)
    with pytest.raises(DeepDreamError, match="already holds files"):
        write_video(tmp_path / "frames", read_frames(source), source)
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["mine.txt"]


@pytest.mark.parametrize(("name", "message"), [("dream.webm", "cannot hold the source's aac sound"),
                                               ("dream.avi", "unknown video type")])
def test_outputs_that_cannot_be_written_are_refused_and_nothing_is_left(phone_clip, tmp_path, name, message):
    source = probe_video(phone_clip)
    with pytest.raises(DeepDreamError, match=message):
        write_video(tmp_path / name, read_frames(source), source)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["dream.mp4", "dream.gif", "frames"])
def test_a_failure_mid_write_leaves_nothing(phone_clip, tmp_path, name):
    source = probe_video(phone_clip)

    def interrupted():
        frames = read_frames(source)
        yield next(frames)
        yield next(frames)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / name, interrupted(), source)
    assert list(tmp_path.iterdir()) == []


def test_odd_sizes_keep_their_size(tmp_path):
    frames = [f[:63, :95] for f in pan(3)]
    source = probe_video(write_clip(tmp_path / "even.mp4", pan(3)))
    write_video(tmp_path / "odd.mp4", [Frame(p, i, 1) for i, p in enumerate(frames)], source)
    result = probe_video(tmp_path / "odd.mp4")
    assert (result.width, result.height) == (95, 63)


def test_without_libx264_mp4_falls_back_to_mpeg4(phone_clip, tmp_path, monkeypatch):
    monkeypatch.setattr(av, "codecs_available", av.codecs_available - {"libx264"})
    source = probe_video(phone_clip)
    write_video(tmp_path / "dream.mp4", read_frames(source), source)
    result = probe_video(tmp_path / "dream.mp4")
    assert result.codec == "mpeg4"
    assert video_times(tmp_path / "dream.mp4") == video_times(phone_clip)


def test_the_old_rotate_tag_is_read_when_there_is_no_matrix_and_kept(tmp_path):
    path = write_clip(tmp_path / "tagged.mkv", pan(2))
    with av.open(str(path)) as source, av.open(str(tmp_path / "retagged.mkv"), "w") as output:
        stream = output.add_stream_from_template(source.streams.video[0])
        stream.metadata["rotate"] = "90"  # clockwise, as old phones wrote it
        for packet in source.demux(source.streams.video[0]):
            if packet.size:
                packet.stream = stream
                output.mux(packet)
    video = probe_video(tmp_path / "retagged.mkv")
    assert video.display_matrix is None and video.rotation == 270
    write_video(tmp_path / "dream.mp4", read_frames(video), video)
    assert probe_video(tmp_path / "dream.mp4").rotation == 270  # written as a matrix, as players expect today


def test_a_damaged_frame_is_reported_and_reading_goes_on(tmp_path):
    skipped = probe_video(write_clip(tmp_path / "skipped.mkv", pan(8), damage=(4, 5)))
    messages: list[str] = []
    frames = list(read_frames(skipped, messages.append))
    assert len(frames) == 7 and len(messages) == 1 and "skipped" in messages[0]
    assert sum(f.duration for f in frames) == skipped.end - frames[0].pts  # the gap is filled, timing kept

    repaired = probe_video(write_clip(tmp_path / "repaired.mkv", pan(8), damage=(4, 8)))
    messages.clear()
    assert len(list(read_frames(repaired, messages.append))) == 8
    assert len(messages) == 1 and "repaired" in messages[0]


def test_damage_warns_when_nobody_listens(tmp_path):
    video = probe_video(write_clip(tmp_path / "skipped.mkv", pan(8), damage=(4, 5)))
    with pytest.warns(UserWarning, match="damaged frame at"):
        assert len(list(read_frames(video))) == 7


def written(path, data):
    path.write_bytes(data)
    return path


def cut(path, fraction):
    data = path.read_bytes()
    path.write_bytes(data[:round(len(data) * fraction)])
    return path


def unknown_codec(path):
    data = path.read_bytes()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    path.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_XXXXX/ISO/AVC"))
    return path


BAD_FILES = {
    "missing": (lambda d: d / "missing.mp4", "no such file"),
    "empty": (lambda d: written(d / "empty.mp4", b""), "empty file"),
    "text": (lambda d: written(d / "notes.mp4", b"not a video\n" * 50), "not a video"),
    "folder": (lambda d: d, "is a folder"),
    "sound only": (lambda d: write_tone(d / "tone.m4a"), "only sound, no video"),
    "zero frames": (lambda d: write_clip(d / "zero.mkv", [], sound="aac"), "has no frames"),
    "unknown codec": (lambda d: unknown_codec(write_clip(d / "odd.mkv", pan(3))), "not one this FFmpeg"),
    "cut mp4 (index first)": (lambda d: cut(write_clip(d / "a.mp4", pan(24), faststart=True), 0.6), "ends early"),
    "cut mkv": (lambda d: cut(write_clip(d / "a.mkv", pan(24)), 0.6), "ends early"),
    "cut mp4 (index last)": (lambda d: cut(write_clip(d / "b.mp4", pan(24)), 0.6), "not a video"),
    "damaged keyframe": (lambda d: write_clip(d / "k.mkv", pan(3), damage=(0, 5)), "can be decoded"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_fail_in_one_line(tmp_path, case):
    make, message = BAD_FILES[case]
    path = make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(DeepDreamError, match=message) as error:
        probe_video(path)
    assert "\n" not in str(error.value)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_frames_above_the_pixel_limit_are_refused(phone_clip):
    with pytest.raises(DeepDreamError, match="above the limit of 6,000 pixels"):
        probe_video(phone_clip, max_pixels=6000)
    assert probe_video(phone_clip, max_pixels=96 * 64).width == 96


def test_no_frames_to_write_is_an_error(phone_clip, tmp_path):
    with pytest.raises(DeepDreamError, match="no frames to write"):
        write_video(tmp_path / "dream.mp4", [], probe_video(phone_clip))
    assert list(tmp_path.iterdir()) == []


def test_frames_of_another_size_are_refused(phone_clip, tmp_path):
    source = probe_video(phone_clip)
    frames = list(read_frames(source))
    frames[3] = Frame(frames[3].pixels[:32], frames[3].pts, frames[3].duration)
    with pytest.raises(DeepDreamError, match="not the first frame's"):
        write_video(tmp_path / "dream.mp4", frames, source)
    assert list(tmp_path.iterdir()) == []


def test_upright_and_stored_are_inverse():
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    for rotation in (0, 90, 180, 270):
        assert np.array_equal(video_io.stored(upright(pixels, rotation), rotation), pixels)
    assert upright(pixels, 90)[0, 0, 0] == pixels[0, -1, 0]  # a quarter turn counter-clockwise

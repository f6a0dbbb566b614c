"""Folders on a real multi-node Ray cluster on this machine (a head and two worker nodes, 1 CPU each, loopback
only): the same pictures as a local run, a killed worker costs nothing, and a stopped run resumes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
import torch

import deepdreamer as dd
from deepdreamer.animate.folders import dream_folder

from ..conftest import small_photo

# read when Ray is imported: every raylet and the GCS on 127.0.0.1
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'deepdreamer[ray]'; CI does)")
psutil = pytest.importorskip("psutil")

FAST = {"iterations": 1, "num_octaves": 2, "seed": 5}


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    for _ in range(2):
        nodes.add_node(num_cpus=1)
    ray.init(address=nodes.address, logging_level="ERROR", log_to_driver=False)
    yield nodes
    ray.shutdown()
    nodes.shutdown()


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, name in enumerate(["chelsea", "coffee", "astronaut", "rocket", "chelsea", "coffee"]):
        small_photo(name, width=64 + 8 * index).save(folder / f"p{index}.png")
    return folder


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(dd.read_image(path).image, dtype=np.int16)


def test_a_folder_on_the_cluster_equals_the_local_run(cluster, photos, tmp_path):
    from deepdreamer.animate.cluster import dream_folder_on_ray

    remote = dream_folder_on_ray(photos, tmp_path / "remote", **FAST)
    assert len(remote.written) == 6 and not remote.failed
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)  # as each 1-CPU worker runs
        local = dream_folder(photos, tmp_path / "local", **FAST)
    finally:
        torch.set_num_threads(threads)
    for path in local.written:
        assert np.array_equal(_pixels(path), _pixels(tmp_path / "remote" / path.name))
        assert dd.read_image(path).params == dd.read_image(tmp_path / "remote" / path.name).params


def _titles() -> dict[int, str]:
    """The command lines of this test's own processes (the cluster's raylets and workers descend from it), never
    another session's: Ray retitles a busy actor's process with the method it runs."""
    titles = {}
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            titles[process.pid] = " ".join(process.cmdline())
    return titles


def test_a_killed_worker_loses_nothing_and_writes_nothing_twice(cluster, photos, tmp_path):
    from deepdreamer.animate.cluster import dream_folder_on_ray

    killed = []

    def kill_a_worker(record):  # once a photo is done, while another actor is on a photo (Ray retitles it)
        if record.result is not None and not killed:
            busy = sorted(pid for pid, title in _titles().items() if "Dreamer.dream" in title)
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])

    run = dream_folder_on_ray(photos, tmp_path / "out", progress=kill_a_worker, **FAST)
    assert killed and not run.failed and not run.stopped
    assert sorted(p.name for p in run.written) == [f"p{i}.png" for i in range(6)]  # each once
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".deepdreamer-folder.json",
                                                                   *(f"p{i}.png" for i in range(6))]
    for path in run.written:
        assert dd.read_image(path).params["seed"] == 5  # whole files with their records


def test_a_stopped_cluster_run_resumes(cluster, photos, tmp_path):
    from deepdreamer.animate.cluster import dream_folder_on_ray

    stop = threading.Event()
    first = dream_folder_on_ray(photos, tmp_path / "out", stop=stop,
                                progress=lambda record: stop.set() if record.result is not None else None, **FAST)
    assert first.stopped and 1 <= len(first.written) < 6
    second = dream_folder_on_ray(photos, tmp_path / "out", **FAST)
    assert len(second.skipped) == len(first.written) and len(second.written) == 6 - len(first.written)


def test_a_local_instance_keeps_token_authentication_on_and_the_dashboard_off(tmp_path):
    code = ("import os; from deepdreamer.animate.cluster import connect; ray = connect(None, 1); "
            "print(os.environ.get('RAY_AUTH_MODE'), repr(ray.worker.get_dashboard_url()), "
            "ray.nodes()[0]['NodeManagerAddress']); ray.shutdown()")
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                         cwd=tmp_path)
    assert run.stdout.split() == ["token", "''", "127.0.0.1"], run.stderr[-2000:]


def _dream_chunks_here(source: Path, output: Path, work: Path, chunks: int, **options) -> None:
    """The chunked run without Ray, as one 1-CPU worker would make each chunk: the reference for the cluster's."""
    from deepdreamer.animate.chunks import ChunkPlan, dream_chunk, join_encoded, write_piece
    from deepdreamer.animate.defaults import WARMUP_FRAMES
    from deepdreamer.animate.frames import FrameFolder
    from deepdreamer.animate.video_io import probe_video
    from deepdreamer.animate.video_pieces import cut, index_video

    info = probe_video(source)
    tasks = ChunkPlan(info.frame_count, chunks, WARMUP_FRAMES).tasks(index_video(info))
    folder = FrameFolder(work)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        for task in tasks:
            cut(source, task.span, work.parent / "cut.mkv")
            piece = dream_chunk(work.parent / "cut.mkv", task, like=info, output=output,
                                max_pixels=info.width * info.height, **options)
            write_piece(folder, task, piece, output.suffix)
    finally:
        torch.set_num_threads(threads)
    join_encoded(folder, tasks, info, output, {"reference": True})


def _decoded(path: Path) -> tuple[list[np.ndarray], list[int]]:
    from deepdreamer.animate.video import upright_frames
    from deepdreamer.animate.video_io import probe_video

    pairs = list(upright_frames(probe_video(path), None))
    return [pixels for _, pixels in pairs], [frame.pts for frame, _ in pairs]


def _kill_a_busy_chunk(killed: list[int], done: threading.Event) -> None:
    """Kill with SIGKILL the first of this cluster's actors (this process's descendants) seen dreaming a chunk for
    0.3 s (Ray retitles a busy actor's process)."""
    seen: dict[int, float] = {}
    while not done.is_set() and not killed:
        for pid, title in _titles().items():
            if "Dreamer.dream_chunk" in title:
                seen.setdefault(pid, time.monotonic())
                if time.monotonic() - seen[pid] > 0.3:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
        time.sleep(0.05)


def test_a_video_on_the_cluster_survives_a_killed_worker_and_equals_the_local_chunked_run(cluster, tmp_path):
    """Six groups of pictures in four chunks over three 1-CPU nodes, one worker killed mid-chunk: the joined
    clip equals the same chunks dreamed and encoded here bit for bit, keeps the source's timestamps and sound,
    and each chunk travelled alone, cut at most one group of pictures before its first frame."""
    from deepdreamer.animate.cluster import dream_video_on_ray
    from deepdreamer.animate.flicker import input_motion, warping_errors
    from deepdreamer.animate.frames import FrameFolder
    from deepdreamer.animate.render import VideoSettings, render_video
    from deepdreamer.animate.video_io import probe_video

    from .clips import pan, sound_packets, write_clip

    source = write_clip(tmp_path / "pan.mp4", pan(24, size=(128, 96), step=2), sound="aac", keyframes_every=4)
    settings = VideoSettings(iterations=6, num_octaves=2, seed=4)
    killed: list[int] = []
    finished = threading.Event()
    killer = threading.Thread(target=_kill_a_busy_chunk, args=(killed, finished))
    killer.start()
    try:
        ours = render_video(source, settings, tmp_path / "ray.mp4",
                            ray={"address": None, "cpus_per_worker": 1}, chunks=4)
    finally:
        finished.set()
        killer.join()
    assert killed and ours.path == tmp_path / "ray.mp4" and not ours.stopped
    _dream_chunks_here(source, tmp_path / "here.mp4", tmp_path / "here", 4, iterations=6, num_octaves=2, seed=4,
                       temporal="flow", size=None)
    frames, times = _decoded(tmp_path / "ray.mp4")
    reference, _ = _decoded(tmp_path / "here.mp4")
    assert len(frames) == len(reference) == 24
    assert all(np.array_equal(a, b) for a, b in zip(frames, reference, strict=True))
    assert times == _decoded(source)[1]  # every frame at the source's time
    assert sound_packets(tmp_path / "ray.mp4") == sound_packets(source)  # copied once, byte for byte

    # each piece starts a new group of pictures: a keyframe's change of coding noise, as at any keyframe
    render_video(source, settings, tmp_path / "one.mp4")
    motion = input_motion(_decoded(source)[0])
    errors, alone = warping_errors(frames, motion), warping_errors(_decoded(tmp_path / "one.mp4")[0], motion)
    print(f"warping error of the encoded clip: in pieces {np.mean(errors):.4f}, one run {np.mean(alone):.4f}")
    assert np.mean(errors) < 1.5 * np.mean(alone)

    # what travels: each chunk's cut (at most one group of pictures before its first frame), or nothing at all
    # where every node reads the source at the same path; the same pieces either way
    runs = {}
    for shared in (False, True):
        work = FrameFolder(tmp_path / f"shared{shared}")
        runs[shared] = dream_video_on_ray(probe_video(source), work, tmp_path / "again.mp4", chunks=4, seed=4,
                                          max_pixels=128 * 96, shared_input=shared, iterations=1, num_octaves=1)
        assert runs[shared].dreamed == 4 and max(runs[shared].leads) < 4
    assert 0 == runs[True].sent < runs[False].sent < 2 * source.stat().st_size
    assert [(tmp_path / "sharedTrue" / f"chunk{n:04d}" / "body.mp4").read_bytes() for n in range(4)] == \
        [(tmp_path / "sharedFalse" / f"chunk{n:04d}" / "body.mp4").read_bytes() for n in range(4)]


def test_a_video_on_the_cluster_joins_smoothly_and_resumes_when_stopped(cluster, tmp_path):
    """A folder of PNGs (or a GIF) cannot be joined by copy: the chunks come back as frames, crossfaded and
    written here. The dream's joins: flicker within 1.25x of one unchunked run, no join above twice the pairs
    inside the chunks. A stopped run keeps the chunks done, and the same call dreams only the others."""
    from deepdreamer.animate.flicker import input_motion, warping_errors
    from deepdreamer.animate.render import VideoSettings, render_video

    from .clips import pan, write_clip

    source = write_clip(tmp_path / "pan.mp4", pan(24, size=(128, 96), step=2), keyframes_every=4)
    settings = VideoSettings(iterations=6, num_octaves=2, seed=4)
    stop = threading.Event()
    ray = {"address": None, "cpus_per_worker": 1}
    first = render_video(source, settings, tmp_path / "frames", ray=ray, chunks=4, stop=stop,
                         progress=lambda record: stop.set())
    assert first.stopped and first.path is None and 6 <= first.frames < 24
    assert 1 <= len(list(first.work.glob("chunk*"))) < 4
    second = render_video(source, settings, tmp_path / "frames", ray=ray, chunks=4)
    assert second.path == tmp_path / "frames" and not first.work.exists()
    frames = [np.asarray(dd.read_image(path).image) for path in sorted((tmp_path / "frames").iterdir())]

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)  # as each 1-CPU worker runs
        render_video(source, settings, tmp_path / "one")
    finally:
        torch.set_num_threads(threads)
    alone = [np.asarray(dd.read_image(path).image) for path in sorted((tmp_path / "one").iterdir())]
    motion = input_motion(_decoded(source)[0])
    errors, reference = warping_errors(frames, motion), warping_errors(alone, motion)
    joins = [errors[first - 1] for first in (6, 12, 18)]  # the pair that ends at a chunk's first frame
    inside = [e for t, e in enumerate(errors) if t + 1 not in (6, 12, 18)]
    print(f"warping error: chunked {np.mean(errors):.4f} (joins {np.mean(joins):.4f}, inside "
          f"{np.mean(inside):.4f}), one run {np.mean(reference):.4f}")
    assert len(frames) == 24 and np.mean(errors) <= 1.25 * np.mean(reference)
    assert max(joins) < 2 * np.mean(inside)


def test_a_video_on_the_cluster_takes_another_sound(cluster, tmp_path):
    """``--sound`` with ``--ray``: the joined clip carries the other sound (encoded once, on the driver) for as
    long as the video lasts, instead of its own."""
    from deepdreamer.animate.render import VideoSettings, render_video
    from deepdreamer.animate.video_io import probe_video

    from .clips import pan, write_clip, write_tone

    source = write_clip(tmp_path / "pan.mp4", pan(12, size=(128, 96), step=2), keyframes_every=4)
    tone = write_tone(tmp_path / "tone.m4a")
    settings = VideoSettings(iterations=1, num_octaves=1, seed=4, sound=str(tone))
    clip = render_video(source, settings, tmp_path / "ray.mp4", ray={"address": None, "cpus_per_worker": 1},
                        chunks=2)
    with av.open(str(clip.path)) as container:
        sound = container.streams.audio[0]
        assert sound.codec_context.name == "aac" and sound.sample_rate == 48_000
        seconds = float(sum(p.duration for p in container.demux(sound) if p.size) * sound.time_base)
    assert probe_video(clip.path).frame_count == 12 and abs(seconds - 1.0) < 0.05  # the video's 12 frames at 12 fps

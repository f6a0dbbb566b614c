"""Folders on a real multi-node Ray cluster on this machine (a head and two worker nodes, 1 CPU each, loopback
only): the same pictures as a local run, a killed worker costs nothing, and a stopped run resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

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


def test_a_killed_worker_loses_nothing_and_writes_nothing_twice(cluster, photos, tmp_path):
    from deepdreamer.animate.cluster import dream_folder_on_ray

    killed = []

    def kill_a_worker(record):  # once a photo is done, while another actor is on a photo (Ray retitles it)
        if record.result is not None and not killed:
            titles = {p.pid: " ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])}
            busy = sorted(pid for pid, title in titles.items() if "Dreamer.dream" in title)
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


def test_a_video_on_the_cluster_equals_the_local_chunked_run_and_joins_smoothly(cluster, tmp_path, capsys):
    from deepdreamer.animate.chunks import ChunkPlan, dream_chunk, join_chunks
    from deepdreamer.animate.defaults import WARMUP_FRAMES
    from deepdreamer.animate.flicker import input_motion, warping_errors
    from deepdreamer.animate.video import upright_frames
    from deepdreamer.animate.video_io import probe_video
    from deepdreamer.cli import main

    from .clips import pan, write_clip

    source = write_clip(tmp_path / "pan.mp4", pan(12, size=(96, 64), step=3))
    out = tmp_path / "frames"  # a folder of PNG frames: compared exactly
    args = ["video", str(source), "-o", str(out), "--ray", "--chunks", "3", "--iterations", "6", "--octaves", "2",
            "--seed", "4", "-q"]
    actor_folders = set(Path(tempfile.gettempdir()).glob("deepdreamer-actor-*"))
    assert main(args) == 0, capsys.readouterr().err
    assert set(Path(tempfile.gettempdir()).glob("deepdreamer-actor-*")) <= actor_folders  # the actors' copies gone
    ours = [np.asarray(dd.read_image(path).image) for path in sorted(out.iterdir())]
    info = probe_video(source)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)  # as each 1-CPU worker runs
        pieces = [(first, dream_chunk(info, first, end, WARMUP_FRAMES, seed=4, iterations=6, num_octaves=2)[0])
                  for first, end in ChunkPlan(12, 3).pieces()]
    finally:
        torch.set_num_threads(threads)
    local = [np.asarray(frame) for frame in join_chunks(pieces, WARMUP_FRAMES)]
    assert len(ours) == len(local) == 12
    assert all(np.array_equal(a, b) for a, b in zip(ours, local, strict=True))
    errors = warping_errors(ours, input_motion([pixels for _, pixels in upright_frames(info, None)]))
    # the pair that ends at a chunk's first frame
    joins = [errors[first - 1] for first, _ in ChunkPlan(12, 3).pieces()[1:]]
    inside = [e for t, e in enumerate(errors) if t + 1 not in (4, 8)]
    print(f"warping error at the joins {np.mean(joins):.4f}, inside the chunks {np.mean(inside):.4f}")
    assert np.mean(joins) < 2 * np.mean(inside)

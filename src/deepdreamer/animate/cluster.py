"""Past one machine: folders of photos and videos dreamed by a pool of Ray actors (the extra ``deepdreamer[ray]``).

Ray schedules; nothing here does. Each actor loads the model once and takes one piece of work at a time: a
photo, or a run of consecutive video frames (a chunk). Photos and videos travel through Ray's object store, so
workers need no shared disk, and the finished PNGs come back the same way; the driver alone writes, atomically,
once per piece, so a retried task can never write twice. Actors restart when their process dies and Ray retries
the piece they were on. A folder run is planned, resumed and refused exactly as a local one (:mod:`.folders`),
and with the same threads the same seed gives the same pictures. A video is cut into chunks (:mod:`.chunks`:
the plan, what a chunk comes back as, the joins); each actor gets only its chunk's packets (a few MB cut at a
keyframe, :mod:`.video_pieces`), dreams and encodes it, and the driver joins the pieces by packet copy. Files
an actor needs (a checkpoint, a chunk's cut) live in one temporary folder of its own, removed when the pool is
done.

Threads: every actor runs torch with as many threads as the CPUs Ray gives it (``OMP_NUM_THREADS`` too, set
before torch loads), so N actors on N cores do not fight over them.

A Ray instance that deepdreamer starts itself serves this machine only: it binds loopback. A real cluster is
the user's (``ray start --head`` / ``ray start --address``); connect to it with ``address``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import DeepDreamError
from ..files import atomic_output
from ..progress import Job, ProgressCallback
from ..settings import DEFAULT_MAX_PIXELS
from .chunks import ChunkPiece, ChunkTask, encode_joins, is_done, settle_plan, write_piece
from .defaults import WARMUP_FRAMES
from .folders import FolderRun, PhotoTask, plan_folder, settle_settings
from .frames import FrameFolder
from .video_io import VideoInfo, check_output

#: Restarts of a dead actor, and retries of the photo it was on, before the run gives up on that photo.
RETRIES = 3
#: The actors' second thread, for ``stop()`` while a dream runs. Dreams all run on the one default thread: torch's
#: OpenMP keeps a team of threads per calling thread, and dreams spread over two threads of a threaded actor ran a
#: third slower than in one (chunks of 256x192 frames, 2 CPUs).
CONTROL = "control"
#: Seconds the pool waits for its actors to remove their temporary folders before it kills them.
CLOSE_SECONDS = 10.0


def connect(address: str | None = None, num_cpus: int | None = None) -> Any:
    """``ray`` connected to the cluster at ``address``, or to a local instance on loopback that it starts."""
    if address is None:
        # Ray binds a node's network address unless told otherwise (read when ray is imported): a local
        # instance stays on this machine
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise DeepDreamError("--ray needs Ray: pip install 'deepdreamer[ray]'") from None
    if ray.is_initialized():
        return ray
    try:
        # "local": a new instance even when a `ray start` cluster runs here (that one is --ray-address auto)
        ray.init(address=address or "local", num_cpus=None if address else num_cpus, include_dashboard=False,
                 logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise DeepDreamError(f"cannot connect to Ray at {address or 'a new local instance'}: "
                             f"{str(exc).splitlines()[0]}") from None
    return ray


class Dreamer:
    """A Ray actor's state: torch with its share of threads, and one photo (or run of video frames) at a time.

    ``stop()`` may be called while it dreams (it runs on the actor's second thread, :data:`CONTROL`): the dream
    ends within one step and nothing comes back for it.
    """

    def __init__(self, threads: int, weights: tuple[str, bytes] | None = None) -> None:
        import torch

        torch.set_num_threads(threads)
        self._stop = threading.Event()
        self._folder = Path(tempfile.mkdtemp(prefix="deepdreamer-actor-"))  # removed by close()
        self._weights: str | None = None
        if weights is not None:  # the driver's checkpoint: its own path where this node sees it, else the copy
            path, content = weights
            if Path(path).is_file():
                self._weights = path
            else:
                self._weights = str(self._folder / "weights.pth")
                Path(self._weights).write_bytes(content)

    def pid(self) -> int:
        return os.getpid()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Remove the files this actor kept (a checkpoint's copy, a chunk's cut)."""
        shutil.rmtree(self._folder, ignore_errors=True)

    def dream(self, photo: bytes, name: str, settings: Mapping[str, Any], max_pixels: int) -> bytes | None:
        """The finished PNG (with its record) for the photo's bytes; None if stopped."""
        from ..api import dream
        from ..images import read_image

        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / name
            source.write_bytes(photo)
            options = dict(settings)
            if self._weights is not None:
                options["weights"] = self._weights
            result = dream(read_image(source, max_pixels), **options, stop=self._stop)
            if result.stopped:
                return None
            output = Path(folder) / "dream.png"
            result.save(output)
            return output.read_bytes()

    def dream_chunk(self, source: bytes | str, task: ChunkTask, settings: Mapping[str, Any]) -> ChunkPiece | None:
        """The chunk ``task`` dreamed (:func:`~.chunks.dream_chunk`) from its packets: ``source`` is the cut's
        bytes, or the path of the whole video where every node can read it (this actor cuts it then)."""
        import torch

        from .chunks import dream_chunk
        from .video_pieces import cut

        options = dict(settings)
        if self._weights is not None:
            options["weights"] = self._weights
        path = self._folder / f"{task.name}.mkv"
        try:
            if isinstance(source, bytes):
                path.write_bytes(source)
            else:
                cut(Path(source), task.span, path)
            return dream_chunk(path, task, threads=torch.get_num_threads(), stop=self._stop, **options)
        finally:
            path.unlink(missing_ok=True)


class Pool:
    """Actors on the cluster, each given the next piece of work as soon as it is free.

    :meth:`run` calls ``call(actor, item)`` for every item and ``done(item, value)`` with each result as it
    comes (``value`` is None when the actor was stopped, an exception's one-line reason string marks a
    failure). Setting ``job``'s stop event stops every actor within one step and submits nothing more.
    """

    def __init__(self, ray: Any, count: int, cpus_per_worker: int, weights: str | None = None) -> None:
        self.ray = ray
        weights_ref = None if weights is None else ray.put((str(weights), Path(weights).read_bytes()))
        actor = ray.remote(num_cpus=cpus_per_worker, max_restarts=RETRIES, max_task_retries=RETRIES,
                           concurrency_groups={CONTROL: 1},
                           runtime_env={"env_vars": {"OMP_NUM_THREADS": str(cpus_per_worker)}})(Dreamer)
        self.actors = [actor.remote(cpus_per_worker, weights_ref) for _ in range(count)]

    def run(self, items: list[Any], call: Callable[[Any, Any], Any], done: Callable[[Any, Any], None],
            job: Job) -> bool:
        """Work through ``items``; True if the stop event cut it short."""
        ray, waiting, running, stopped = self.ray, list(items), {}, False

        def submit(actor: Any) -> None:
            item = waiting.pop(0)
            running[call(actor, item)] = (item, actor)

        try:
            for actor in self.actors[:len(waiting)]:
                submit(actor)
            while running:
                if job.stopped and not stopped:
                    stopped = True
                    waiting.clear()
                    for actor in self.actors:
                        actor.stop.options(concurrency_group=CONTROL).remote()
                ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
                for future in ready:
                    item, actor = running.pop(future)
                    try:
                        value = ray.get(future)
                    except ray.exceptions.RayError as exc:
                        value = Failure(_reason(exc))
                    done(item, value)
                    if waiting:
                        submit(actor)
        finally:
            self.close()
        return stopped

    def close(self) -> None:
        """Let every actor remove its files (a dead one cannot: its folder stays in the node's temp), then end it."""
        with contextlib.suppress(self.ray.exceptions.RayError):
            self.ray.wait([actor.close.remote() for actor in self.actors], num_returns=len(self.actors),
                          timeout=CLOSE_SECONDS)
        for actor in self.actors:
            self.ray.kill(actor)


@dataclass(frozen=True)
class Failure:
    """What a piece of work that failed on the cluster comes back as: its reason, in one line."""

    reason: str


def worker_count(ray: Any, cpus_per_worker: int, workers: int | None, items: int) -> int:
    """One actor per ``cpus_per_worker`` CPUs of the cluster (or ``workers``), never more than the work."""
    return max(1, min(workers or int(ray.cluster_resources().get("CPU", 1)) // cpus_per_worker, items))


def dream_folder_on_ray(
    source: Path,
    output: Path,
    *,
    address: str | None = None,
    workers: int | None = None,
    cpus_per_worker: int = 1,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    **options: Any,
) -> FolderRun:
    """:func:`~deepdreamer.animate.folders.dream_folder` on a Ray cluster, each photo sent to whichever actor
    is free; progress counts the photos finished anywhere."""
    tasks = plan_folder(source, output)
    settings = settle_settings(output, options)
    run = FolderRun(skipped=[task.source for task in tasks if task.output.exists()])
    todo = [task for task in tasks if not task.output.exists()]
    if not todo:
        return run
    ray = connect(address, None)
    weights = settings.pop("weights", None)
    pool = Pool(ray, worker_count(ray, cpus_per_worker, workers, len(todo)), cpus_per_worker, weights)
    job = Job("ray", progress, stop)

    def call(actor: Any, task: PhotoTask) -> Any:
        return actor.dream.remote(ray.put(task.source.read_bytes()), task.source.name, settings, max_pixels)

    def done(task: PhotoTask, png: Any) -> None:
        if isinstance(png, Failure):
            run.failed.append((task.source, png.reason))
        elif png is not None:
            _write(task.output, png)
            run.written.append(task.output)
            count = len(run.written) + len(run.skipped)
            job.finished(count - 1, len(tasks), f"{count}/{len(tasks)} {task.source.name}", task.output)

    run.stopped = pool.run(todo, call, done, job)
    return run


@dataclass
class VideoRun:
    """What a video run on the cluster did: its chunks, chunks dreamed now, chunks found done, stopped, failures;
    the bytes the driver sent (cuts of the source), and the frames each chunk decoded before its first."""

    tasks: list[ChunkTask]
    encoded: bool  # the chunks come back encoded, to be joined by copy (else as PNG frames)
    dreamed: int = 0
    found: int = 0
    stopped: bool = False
    failed: list[str] = field(default_factory=list)
    sent: int = 0
    leads: list[int] = field(default_factory=list)


def dream_video_on_ray(
    info: VideoInfo,
    work: FrameFolder,
    output: Path,
    *,
    chunks: int | None = None,
    warmup: int = WARMUP_FRAMES,
    address: str | None = None,
    workers: int | None = None,
    cpus_per_worker: int = 1,
    shared_input: bool = False,
    seed: int,
    max_pixels: int,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **options: Any,
) -> VideoRun:
    """Dream a video in chunks on a Ray cluster into the work folder ``work`` (:mod:`.chunks`; a chunk already
    there is not dreamed again). Each actor gets only its chunk's packets, cut here from the keyframe at or
    before its first frame (or, with ``shared_input``, the source's path, which every node must see); where
    ``output`` can be joined by copy, it encodes its chunk, and each crossfade is encoded here as soon as its
    two chunks are in."""
    from .video_pieces import JOINABLE, cut, index_video

    encoded = check_output(output, info) in JOINABLE
    ray = connect(address, None)
    weights = options.pop("weights", None)
    tasks = settle_plan(work, info.frame_count, chunks, warmup, encoded,
                        lambda: worker_count(ray, cpus_per_worker, workers, info.frame_count)).tasks(index_video(info))
    run = VideoRun(tasks=tasks, encoded=encoded)
    todo = [task for task in tasks if not is_done(work, task)]
    run.found = len(tasks) - len(todo)
    if not todo:
        return run
    pool = Pool(ray, worker_count(ray, cpus_per_worker, workers, len(todo)), cpus_per_worker, weights)
    settings = {**options, "max_pixels": max_pixels, "seed": seed,
                "like": replace(info, sound=None) if encoded else None, "output": output if encoded else None}
    job = Job("ray", progress, stop)

    def call(actor: Any, task: ChunkTask) -> Any:
        if shared_input:
            return actor.dream_chunk.remote(str(info.path.resolve()), task, settings)
        with tempfile.TemporaryDirectory(prefix="deepdreamer-cut-") as folder:
            path = Path(folder) / f"{task.name}.mkv"
            cut(info.path, task.span, path)
            content = path.read_bytes()
        run.sent += len(content)
        return actor.dream_chunk.remote(ray.put(content), task, settings)

    def done(task: ChunkTask, piece: Any) -> None:
        if isinstance(piece, Failure):
            run.failed.append(f"frames {task.first + 1}-{task.end}: {piece.reason}")
        elif piece is not None:
            write_piece(work, task, piece, output.suffix)
            if encoded:
                encode_joins(work, tasks, info, output, around=task)
            run.dreamed += 1
            run.leads.append(piece.lead)
            finished = run.dreamed + run.found
            job.finished(finished - 1, len(tasks), f"chunk {finished}/{len(tasks)}", work.path / task.name)

    run.stopped = pool.run(todo, call, done, job)
    return run


def _write(path: Path, png: bytes) -> None:
    with atomic_output(path) as temporary:
        temporary.write_bytes(png)


def _reason(exc: BaseException) -> str:
    """The one line a remote failure comes down to (a DeepDreamError inside a worker keeps its message)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, DeepDreamError):
        return str(cause)
    text = str(exc).strip().splitlines()
    for line in reversed(text):
        if "DeepDreamError:" in line:
            return line.split("DeepDreamError:", 1)[1].strip()
    return text[-1] if text else type(exc).__name__

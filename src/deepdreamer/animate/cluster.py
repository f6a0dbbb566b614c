"""Past one machine: a folder of photos dreamed by a pool of Ray actors (the extra ``deepdreamer[ray]``).

Ray schedules; nothing here does. Each actor loads the model once, takes one photo at a time (its bytes
travel through Ray's object store, so workers need no shared disk) and sends back the finished PNG with its
record; the driver alone writes outputs, atomically, one per photo, so a retried task can never write twice.
Actors restart when their process dies and Ray retries the photo they were on. The run is planned, resumed
and refused exactly as a local folder run (:mod:`.folders`), and with the same threads the same seed gives the
same pictures.

Threads: every actor runs torch with as many threads as the CPUs Ray gives it (``OMP_NUM_THREADS`` too, set
before torch loads), so N actors on N cores do not fight over them.

A Ray instance that deepdreamer starts itself serves this machine only: it binds loopback. A real cluster is
the user's (``ray start --head`` / ``ray start --address``); connect to it with ``address``.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import DeepDreamError
from ..files import atomic_output
from ..progress import Job, ProgressCallback
from ..settings import DEFAULT_MAX_PIXELS
from .folders import FolderRun, PhotoTask, plan_folder, settle_settings

#: Restarts of a dead actor, and retries of the photo it was on, before the run gives up on that photo.
RETRIES = 3


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


class PhotoDreamer:
    """A Ray actor's state: torch with its share of threads, and one photo dreamed at a time.

    ``stop()`` may be called while a photo is being dreamed (the actor runs two calls at once): that photo
    ends within one step and nothing comes back for it.
    """

    def __init__(self, threads: int, weights: tuple[str, bytes] | None = None) -> None:
        import torch

        torch.set_num_threads(threads)
        self._stop = threading.Event()
        self._weights: str | None = None
        if weights is not None:  # the driver's checkpoint: its own path where this node sees it, else the copy
            path, content = weights
            if Path(path).is_file():
                self._weights = path
            else:
                handle, name = tempfile.mkstemp(suffix=".pth")
                with os.fdopen(handle, "wb") as file:
                    file.write(content)
                self._weights = name

    def pid(self) -> int:
        return os.getpid()

    def stop(self) -> None:
        self._stop.set()

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
    """:func:`~deepdreamer.animate.folders.dream_folder` on a Ray cluster: one actor per ``cpus_per_worker`` CPUs
    of the cluster (or ``workers`` actors), each photo sent to whichever actor is free."""
    tasks = plan_folder(source, output)
    settings = settle_settings(output, options)
    ray = connect(address, None)
    todo = [task for task in tasks if not task.output.exists()]
    run = FolderRun(skipped=[task.source for task in tasks if task.output.exists()])
    job = Job("ray", progress, stop)
    finished = len(run.skipped)
    if not todo:
        return run
    count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // cpus_per_worker)
    weights = settings.pop("weights", None)
    weights_ref = None if weights is None else ray.put((str(weights), Path(weights).read_bytes()))
    actor = ray.remote(num_cpus=cpus_per_worker, max_restarts=RETRIES, max_task_retries=RETRIES,
                       max_concurrency=2, runtime_env={"env_vars": {"OMP_NUM_THREADS": str(cpus_per_worker)}})(
        PhotoDreamer)
    pool = [actor.remote(cpus_per_worker, weights_ref) for _ in range(min(count, len(todo)))]
    waiting = list(todo)
    running: dict[Any, tuple[PhotoTask, Any]] = {}

    def submit(dreamer: Any) -> None:
        task = waiting.pop(0)
        future = dreamer.dream.remote(ray.put(task.source.read_bytes()), task.source.name, settings, max_pixels)
        running[future] = (task, dreamer)

    try:
        for dreamer in pool:
            if waiting:
                submit(dreamer)
        while running:
            if job.stopped and not run.stopped:
                run.stopped = True
                waiting.clear()
                for dreamer in pool:
                    dreamer.stop.remote()
            ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
            for future in ready:
                task, dreamer = running.pop(future)
                try:
                    png = ray.get(future)
                except ray.exceptions.RayError as exc:
                    run.failed.append((task.source, _reason(exc)))
                    png = None
                if png is not None:
                    _write(task.output, png)
                    run.written.append(task.output)
                    finished += 1
                    job.finished(finished - 1, len(tasks), f"{finished}/{len(tasks)} {task.source.name}",
                                 task.output)
                if waiting and not run.stopped:
                    submit(dreamer)
    finally:
        for dreamer in pool:
            ray.kill(dreamer)
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


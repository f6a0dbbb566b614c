"""How fast the page answers, and what dreaming through it costs against ``deepdreamer dream``, same settings.

    python benchmarks/web.py [--photo chelsea] [--iterations 10] [--octaves 4] [--runs 3]

Starts ``deepdreamer serve`` in a process of its own and drives it with Debian's headless chromium
(``/usr/bin/chromium``, through Playwright), as a user would; the CLI runs in fresh processes, interleaved with
the page's dreams so that a busy machine slows both alike. Prints medians:

- page: the start page until the Dream button is there (a fresh browser context each time), a form change
  answered (a preset fills the layers: outside the queue), an upload checked and shown (queued);
- dream: the CLI's wall time (start, model load, dream, write); :func:`deepdreamer.dream` in a warm process
  (what the CLI runs, once the model is loaded: the engine's own time); the page's first dream after start
  (loads the model, like the CLI) and its later ones, from the click on Dream to "done" in the page. The page
  must add under 10%: its first dream against the CLI's wall, its later ones against the warm API.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

import deepdreamer as dd
from deepdreamer.examples import EXAMPLE_PHOTOS

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def wait_text(page: Page, selector: str, words: str, every: float = 0.01) -> str:
    """Poll the page until ``selector``'s text holds ``words`` (each poll costs the browser and the driver some CPU:
    while a dream runs, poll slowly, ``every`` 0.1 s, or the measurement slows the dream down)."""
    while words not in (text := page.inner_text(selector)):
        time.sleep(every)
    return text


def wait_value(page: Page, selector: str, words: str) -> None:
    while words not in page.input_value(selector):
        time.sleep(0.005)


#: A warm process that dreams once per line it reads and prints the seconds dream() took.
WARM_API = """
import sys, time
import deepdreamer as dd
from deepdreamer.runtime import keep_freed_memory
keep_freed_memory()  # as the CLI does
photo, iterations, octaves = dd.read_image(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dd.dream(photo, iterations=1, num_octaves=1, seed=1)  # loads the model
for _ in sys.stdin:
    start = time.perf_counter()
    dd.dream(photo, iterations=iterations, num_octaves=octaves, seed=1)
    print(time.perf_counter() - start, flush=True)
"""


def cli_dream(photo: Path, output: Path, iterations: int, octaves: int) -> float:
    command = [sys.executable, "-m", "deepdreamer", "dream", str(photo), "-o", str(output), "--seed", "1",
               "--iterations", str(iterations), "--octaves", str(octaves), "-q"]
    return timed(lambda: subprocess.run(command, check=True))


def page_dream(page: Page, iterations: int, octaves: int) -> tuple[float, float]:
    """Click to "done" as the browser sees it, and the job's own time as the server reports it."""
    page.fill("#iterations input", str(iterations))
    page.fill("#num-octaves input", str(octaves))
    page.fill("#seed textarea", "1")
    start = time.perf_counter()
    page.click("#dream")
    while "done" in page.inner_text("#status"):  # the last dream's "done" until this one is queued
        time.sleep(0.005)
    said = wait_text(page, "#status", "done", every=0.1)
    elapsed = time.perf_counter() - start
    time.sleep(0.5)  # the event ends after its last update: let the Dream button come back
    return elapsed, float(said.split("done in ")[1].split(" s")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photo", default="chelsea", choices=EXAMPLE_PHOTOS)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--octaves", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    photo = dd.example_path(args.photo)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="deepdreamer-bench-"))
    server = subprocess.Popen([sys.executable, "-m", "deepdreamer", "serve", "--port", str(port)],
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(folder)})
    started = time.perf_counter()
    try:
        line = server.stderr.readline()  # "the page is at ..."
        startup = time.perf_counter() - started
        url = line.split(" at ")[1].split()[0]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            answers: dict[str, list[float]] = {"start page ready": [], "preset -> layers filled": [],
                                               "photo uploaded, checked, shown": []}
            for _ in range(args.runs):
                context = browser.new_context()
                page = context.new_page()
                answers["start page ready"].append(timed(lambda page=page: (page.goto(url),
                                                                            page.wait_for_selector("#dream"))))
                page.click("#preset input")
                answers["preset -> layers filled"].append(timed(lambda page=page: (
                    page.click("li[aria-label='patterns']"), wait_value(page, "#layers textarea", "block5"))))
                answers["photo uploaded, checked, shown"].append(timed(lambda page=page: (
                    page.set_input_files("#input-image input[type=file]", str(photo)),
                    wait_text(page, "#status", "photo ready"))))
                context.close()

            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("#dream")
            page.set_input_files("#input-image input[type=file]", str(photo))
            wait_text(page, "#status", "photo ready")
            dreams: dict[str, list[float]] = {"cli": [], "api": [], "page, first": [], "page": [], "job": []}
            dreams["page, first"].append(page_dream(page, args.iterations, args.octaves)[0])
            api = subprocess.Popen([sys.executable, "-c", WARM_API, str(photo), str(args.iterations),
                                    str(args.octaves)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(args.runs):
                dreams["cli"].append(cli_dream(photo, folder / "cli.png", args.iterations, args.octaves))
                clicked, job = page_dream(page, args.iterations, args.octaves)
                dreams["page"].append(clicked)
                dreams["job"].append(job)
                api.stdin.write("go\n")
                api.stdin.flush()
                dreams["api"].append(float(api.stdout.readline()))
            api.stdin.close()
            api.wait()
            browser.close()
    finally:
        server.terminate()
        server.wait()

    cpu = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    print(f"{os.cpu_count()} cores, {'AVX-512' if 'avx512f' in cpu else 'AVX2' if 'avx2' in cpu else '?'}; "
          f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs}")
    print(f"{'server start (deepdreamer serve to listening)':<52} {startup:8.2f} s")
    for name, values in answers.items():
        print(f"{'page: ' + name:<52} {statistics.median(values):8.2f} s")
    medians = {name: statistics.median(values) for name, values in dreams.items()}
    size = "x".join(map(str, dd.read_image(photo).image.size))
    print(f"dream {args.photo} {size}, default preset, {args.octaves} octaves x {args.iterations} iterations:")
    print(f"{'  deepdreamer dream (wall: start, load, dream, write)':<52} {medians['cli']:8.2f} s")
    print(f"{'  deepdreamer.dream() in a warm process':<52} {medians['api']:8.2f} s")
    print(f"{'  page, first dream (loads the model): click to done':<52} {medians['page, first']:8.2f} s"
          f"  {medians['page, first'] / medians['cli'] - 1:+6.1%} vs the CLI")
    print(f"{'  page, later dreams: the job, as the server says':<52} {medians['job']:8.2f} s"
          f"  {medians['job'] / medians['api'] - 1:+6.1%} vs the warm API")
    print(f"{'  page, later dreams: click to done':<52} {medians['page']:8.2f} s"
          f"  {medians['page'] / medians['api'] - 1:+6.1%} vs the warm API")


if __name__ == "__main__":
    main()

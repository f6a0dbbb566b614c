"""How fast the instant commands answer: median wall time of fresh processes (python benchmarks/startup.py).

Each command runs in a new process, as a user's shell would start it; the table shows the median of
``--runs`` and, for scale, a bare Python start and ``import torch``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEEPDREAMER = [sys.executable, "-m", "deepdreamer"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import torch'": [sys.executable, "-c", "import torch"],
    "deepdreamer --help": [*DEEPDREAMER, "--help"],
    "deepdreamer dream --help": [*DEEPDREAMER, "dream", "--help"],
    "deepdreamer zoom --help": [*DEEPDREAMER, "zoom", "--help"],
    "deepdreamer video --help": [*DEEPDREAMER, "video", "--help"],
    "deepdreamer serve --help": [*DEEPDREAMER, "serve", "--help"],
    "deepdreamer models": [*DEEPDREAMER, "models"],
    "deepdreamer layers --model inception_v3": [*DEEPDREAMER, "layers", "--model", "inception_v3"],
    "deepdreamer dream missing.jpg": [*DEEPDREAMER, "dream", "missing.jpg"],
    "deepdreamer dream x.jpg --step abc": [*DEEPDREAMER, "dream", "x.jpg", "--step", "abc"],
    "deepdreamer dream --bogus": [*DEEPDREAMER, "dream", "--bogus"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cpu = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    isa = "AVX-512" if "avx512f" in cpu else "AVX2" if "avx2" in cpu else "?"
    print(f"median of {args.runs} fresh processes; {isa}")
    print(f"{'command':<40} {'seconds':>8}")
    for name, command in COMMANDS.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
        print(f"{name:<40} {statistics.median(times):>8.3f}")


if __name__ == "__main__":
    main()

"""What ships is what the package reads: the wheel and the sdist, built from this checkout as a release would be,
hold every file under ``src/deepdreamer`` (code and data), and carry the version written in one place."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import deepdreamer

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "deepdreamer"

pytestmark = pytest.mark.skipif(not PACKAGE.is_dir(), reason="needs the source checkout (src/deepdreamer)")


def checkout_copy(folder: Path) -> Path:
    """The files a build reads, copied from this checkout into ``folder`` (the build writes nothing here)."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(PACKAGE, folder / "src" / "deepdreamer", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def build(checkout: Path, out: Path) -> dict[str, Path]:
    """``python -m build``: the sdist, then the wheel built from the sdist."""
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(checkout)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def package_files(checkout: Path) -> set[str]:
    """Every file of the package in a checkout, as ``deepdreamer/...`` (no bytecode caches)."""
    package = checkout / "src" / "deepdreamer"
    return {f"deepdreamer/{path.relative_to(package).as_posix()}" for path in package.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if name.startswith("deepdreamer/")}


def missing_from_wheel(checkout: Path, wheel: Path) -> list[str]:
    return sorted(package_files(checkout) - wheel_files(wheel))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    return build(checkout_copy(tmp_path_factory.mktemp("checkout")), tmp_path_factory.mktemp("dist"))


def test_the_wheel_holds_every_file_of_the_package(built):
    missing = missing_from_wheel(ROOT, built["wheel"])
    assert not missing, f"not in the wheel (add them to [tool.setuptools.package-data]): {missing}"
    assert not wheel_files(built["wheel"]) - package_files(ROOT), "the wheel holds files the checkout does not"


def test_the_sdist_holds_every_file_of_the_package(built):
    with tarfile.open(built["sdist"]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        shipped = {name.removeprefix(f"{top}/src/") for name in sdist.getnames() if name.startswith(f"{top}/src/")}
    missing = sorted(package_files(ROOT) - shipped)
    assert not missing, f"not in the sdist: {missing}"


def test_the_version_is_written_once_and_built_into_the_wheel(built):
    assert built["wheel"].name.startswith(f"deepdreamer-{deepdreamer.__version__}-")
    project_table = (ROOT / "pyproject.toml").read_text().split("[project]")[1].split("\n[")[0]
    assert 'dynamic = ["version"]' in project_table and "\nversion =" not in project_table


def test_a_new_data_file_left_out_of_the_wheel_is_named(tmp_path):
    """The guard itself: a data file that the package-data patterns do not match is reported by its name."""
    (tmp_path / "checkout").mkdir()
    checkout = checkout_copy(tmp_path / "checkout")
    (checkout / "src" / "deepdreamer" / "models" / "new_table.csv").write_text("a,b\n")
    wheel = build(checkout, tmp_path / "dist")["wheel"]
    assert missing_from_wheel(checkout, wheel) == ["deepdreamer/models/new_table.csv"]

"""The README's two first commands are the ones CI and users run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    return [line.strip() for line in lines[:20] if line.startswith("    ")]


def test_ci_runs_the_readme_test_command():
    install_and_dream, tests = readme_commands()[:2]
    assert "deepdreamer dream --example" in install_and_dream
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()

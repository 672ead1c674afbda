"""What each pass of .ci/run runs: the SQLite pass runs every test; the PostgreSQL + Redis
pass leaves out the tests marked ``embedded_only`` (slow, nothing database-specific), and
only those."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_ONLY = {
    "tests/test_run_server.py",
    "tests/demo/test_seed_demo.py",
}


def ci_phases() -> dict[str, str]:
    """The phases of .ci/run by name, each with its command (continuation lines joined)."""
    script = (ROOT / ".ci" / "run").read_text().replace("\\\n", " ")
    return {
        name: command.strip()
        for name, command in re.findall(r'^run_phase "([^"]+)"(.*)$', script, re.MULTILINE)
    }


def pytest_args(command: str) -> list[str]:
    match = re.search(r'PYTEST_ARGS="([^"]*)"', command)
    return shlex.split(match.group(1)) if match else []


def collected(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_the_postgresql_pass_leaves_out_the_embedded_only_tests_and_sqlite_runs_them():
    phases = ci_phases()
    postgres = pytest_args(phases["PostgreSQL + Redis pass: make suite"])
    assert postgres[postgres.index("-m") + 1] == "not embedded_only"
    sqlite = phases["SQLite pass: make test"]
    assert "embedded_only" not in sqlite and "PYTEST_ARGS" not in sqlite


def test_the_marker_selects_exactly_the_slow_embedded_tests():
    paths = [*sorted(EMBEDDED_ONLY), "tests/stats/test_session_formats.py"]
    everything = collected(*paths)
    kept = collected(*paths, "-m", "not embedded_only")

    left_out = {test.split("::")[0] for test in everything - kept}
    assert left_out == EMBEDDED_ONLY
    assert {test.split("::")[0] for test in kept} == {"tests/stats/test_session_formats.py"}

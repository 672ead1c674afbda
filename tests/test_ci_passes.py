"""What each pass of .ci/run runs: the SQLite pass runs every test; the PostgreSQL + Redis
pass leaves out the tests marked ``embedded_only`` (slow, nothing database-specific), and
only those."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_ONLY = {
    "tests/test_run_server.py",
    "tests/demo/test_seed_demo.py",
    "tests/browser/test_accessibility.py",
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


def test_the_postgresql_pass_leaves_out_the_embedded_only_tests_and_sqlite_runs_them():
    phases = ci_phases()
    postgres = pytest_args(phases["PostgreSQL + Redis pass: make suite"])
    assert postgres[postgres.index("-m") + 1] == "not embedded_only"
    sqlite = phases["SQLite pass: make test"]
    assert "embedded_only" not in sqlite and "PYTEST_ARGS" not in sqlite


def test_the_marker_is_on_exactly_the_slow_embedded_test_modules():
    """The marker is set for a whole module (``pytestmark``), on these modules only. Read
    from the files: collecting the suite in a second pytest would cost more than the
    check is worth."""
    marked = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("test_*.py")
        if re.search(r"^pytestmark = .*pytest\.mark\.embedded_only", path.read_text(), re.M)
    }
    assert marked == EMBEDDED_ONLY
    used = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_ci_passes.py" and "mark.embedded_only" in path.read_text()
    }
    assert used == EMBEDDED_ONLY

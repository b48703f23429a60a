"""`.ci/find-python`, which the Makefile uses to pick its interpreter: the newest Python >= 3.11 that runs.

Real interpreters are not needed to test the choice: each candidate here is a small executable that answers the
script's probe the way an interpreter of that version does (or fails, as a pyenv shim for an unselected version
does). That the setup itself works on 3.12 is shown by .ci/run, which installs the core and the packs into a
Python 3.12 environment and runs their tests.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIND_PYTHON = REPO / ".ci" / "find-python"


def fake_python(folder: Path, name: str, version: str | None) -> Path:
    """An executable named `name` that behaves like Python `version` under the probe; None: it fails to run."""
    path = folder / name
    if version is None:
        path.write_text('#!/bin/sh\necho "pyenv: $0: command not found" >&2\nexit 127\n')
    else:
        major, minor = (int(part) for part in version.split(".")[:2])
        new_enough = (major, minor) >= (3, 11)
        path.write_text(
            "#!/bin/sh\n"
            'case "$2" in\n'
            f'  *platform*) echo "{version}" ;;\n'
            f'  *) echo "{path if new_enough else ""}" ;;\n'
            "esac\n"
        )
    path.chmod(0o755)
    return path


def find_python(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(folder), "HOME": os.environ.get("HOME", "/tmp")}  # nothing but the candidates
    return subprocess.run(["/bin/sh", str(FIND_PYTHON)], capture_output=True, text=True, env=env, cwd=REPO)


def test_picks_the_newest_python_that_runs(tmp_path):
    fake_python(tmp_path, "python3.13", None)  # a pyenv shim for a version not selected: skipped
    chosen = fake_python(tmp_path, "python3.12", "3.12.1")
    fake_python(tmp_path, "python3.11", "3.11.7")
    fake_python(tmp_path, "python3", "3.10.13")
    result = find_python(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(chosen)


def test_a_machine_with_only_python_3_12_is_set_up_with_it(tmp_path):
    chosen = fake_python(tmp_path, "python3", "3.12.4")
    result = find_python(tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, str(chosen))


def test_says_which_python_is_missing(tmp_path):
    fake_python(tmp_path, "python3", "3.10.13")
    result = find_python(tmp_path)
    assert result.returncode == 1
    assert "needs Python 3.11 or newer" in result.stderr
    assert "python3=3.10.13" in result.stderr
    assert "PYTHON=" in result.stderr


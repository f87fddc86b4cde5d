"""The locked install: requirements.lock agrees with pyproject.toml, and a disagreement is caught.

`.ci/lockfile.py check` is the lint step's check (`./run test`); it is run here as `./run` runs
it, a subprocess with an exit status and one line, on copies of the real pyproject.toml and
lock that are changed the ways a developer would change them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKFILE = ROOT / ".ci" / "lockfile.py"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"


def lockfile(*args: str | Path) -> subprocess.CompletedProcess:
    """`python .ci/lockfile.py ARGS…`, output captured as text."""
    return subprocess.run(
        [sys.executable, str(LOCKFILE), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of pyproject.toml and requirements.lock to change."""
    pyproject, lock = tmp_path / "pyproject.toml", tmp_path / "requirements.lock"
    pyproject.write_text(PYPROJECT.read_text(encoding="utf-8"), encoding="utf-8")
    lock.write_text(LOCK.read_text(encoding="utf-8"), encoding="utf-8")
    return pyproject, lock


def check(pyproject: Path, lock: Path) -> subprocess.CompletedProcess:
    return lockfile("check", "--pyproject", pyproject, "--lock", lock)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_refused(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for phrase in (*phrases, "./run lock"):
        assert phrase in lines[0], lines[0]


def test_the_repository_lock_agrees_with_pyproject():
    result = check(PYPROJECT, LOCK)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_changed_dependency_without_a_new_lock_is_caught(copies):
    pyproject, lock = copies
    edit(pyproject, '"gpxpy>=1.6",', '"gpxpy>=1.6",\n    "pmtiles>=3.4",')
    assert_refused(
        check(pyproject, lock),
        "does not match pyproject.toml",
        "dependencies changed since the lock was made",
        "pmtiles is not pinned",
    )


def test_a_changed_range_that_the_pins_still_meet_is_caught_too(copies):
    # Only the fingerprint sees this one: the pinned gpxpy still satisfies >=1.5.
    pyproject, lock = copies
    edit(pyproject, '"gpxpy>=1.6"', '"gpxpy>=1.5"')
    assert_refused(check(pyproject, lock), "dependencies changed since the lock was made")


def test_a_changed_build_requirement_is_caught(copies):
    pyproject, lock = copies
    edit(pyproject, 'requires = ["setuptools>=77"]', 'requires = ["setuptools>=77", "wheel"]')
    assert_refused(check(pyproject, lock), "dependencies changed", "wheel is not pinned")


def test_tool_settings_need_no_new_lock(copies):
    pyproject, lock = copies
    edit(pyproject, "line-length = 100", "line-length = 99")
    edit(pyproject, '"gpxpy>=1.6",\n    "whitenoise', '"whitenoise')  # reordering is no change
    edit(pyproject, '"matplotlib>=3.8",\n]', '"matplotlib>=3.8",\n    "gpxpy>=1.6",\n]')
    result = check(pyproject, lock)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_hand_edited_pin_outside_its_range_is_caught(copies):
    pyproject, lock = copies
    pinned = re.search(r"^django==(\S+)", lock.read_text(encoding="utf-8"), re.MULTILINE)
    assert pinned is not None
    edit(lock, f"django=={pinned.group(1)} ", "django==5.1.9 ")
    assert_refused(check(pyproject, lock), "django==5.1.9 is outside <5.3,>=5.2")


def test_a_pin_without_hashes_is_caught(copies):
    pyproject, lock = copies
    hashed = re.compile(r"^(gpxpy==\S+) \\\n(?: +--hash=\S+ \\\n)* +--hash=\S+\n", re.M)
    text, count = hashed.subn(r"\1\n", lock.read_text(encoding="utf-8"))
    assert count == 1
    lock.write_text(text, encoding="utf-8")
    assert_refused(check(pyproject, lock), "gpxpy==", "has no hash")


def test_a_lock_without_a_fingerprint_is_caught(copies):
    pyproject, lock = copies
    text = lock.read_text(encoding="utf-8")
    text, count = re.subn(r"^# pyproject.toml dependencies sha256: .*\n", "", text, flags=re.M)
    assert count == 1
    lock.write_text(text, encoding="utf-8")
    assert_refused(check(pyproject, lock), "no fingerprint line")


def test_a_missing_lock_is_one_line():
    result = check(PYPROJECT, ROOT / "no-such.lock")
    assert result.returncode == 1
    assert result.stderr.startswith("lockfile: cannot read no-such.lock")
    assert len(result.stderr.splitlines()) == 1


def test_stamp_records_the_new_fingerprint(copies):
    # What `./run lock` does after uv has re-resolved: the stamp makes the check pass once the
    # pins meet the new ranges.
    pyproject, lock = copies
    edit(pyproject, '"gpxpy>=1.6"', '"gpxpy>=1.5"')
    assert lockfile("stamp", "--pyproject", pyproject, "--lock", lock).returncode == 0
    text = lock.read_text(encoding="utf-8")
    assert len(re.findall(r"^# pyproject.toml dependencies sha256: ", text, re.M)) == 1
    result = check(pyproject, lock)
    assert (result.returncode, result.stderr) == (0, "")


def test_pin_gives_a_hash_checked_requirement_for_the_uv_bootstrap():
    result = lockfile("pin", "uv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"uv==[0-9][^ ]* \\", lines[0])
    assert lines[1:] and all(
        re.fullmatch(r" +--hash=sha256:[0-9a-f]{64}( \\)?", x) for x in lines[1:]
    )
    assert not lines[-1].endswith("\\")
    assert lockfile("pin", "no-such-package").returncode == 1


def test_tools_are_the_install_tools_and_the_build_backend():
    result = lockfile("tools")
    assert result.returncode == 0, result.stderr
    backend = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["build-system"]["requires"]
    assert result.stdout.split() == ["pip", "uv", *backend]


def test_the_production_image_installs_exactly_the_lock():
    """The Dockerfile installs the lock's pins with their hashes before Trygg, and Trygg itself
    without resolving dependencies again: the image runs the same program as `./run`."""
    lines = [
        " ".join(line.split())
        for line in (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    installs = [line for line in lines if "pip install" in line]
    assert installs[0].endswith("pip install --no-cache-dir --require-hashes -r requirements.lock")
    assert all("--no-deps" in line for line in installs[1:]), installs
    copied = next(line for line in lines if line.startswith("COPY") and "requirements.lock" in line)
    assert lines.index(copied) < lines.index(installs[0])

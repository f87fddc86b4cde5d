"""The lock file's fingerprint of pyproject.toml, and the check that the two agree.

`requirements.lock` pins every package `./run` installs (the runtime dependencies, every
optional-dependency group, the build backend and the install's own tools, pip and uv), each
with the sha256 hashes of its release files, for Python 3.11 on Linux x86_64. It is written by
`uv pip compile` (`./run lock`, `./run upgrade`), and then stamped here with a fingerprint: the
sha256 of pyproject.toml's dependency sections as they were when the lock was made. Only those
sections count, so editing the tool settings (ruff, pytest, import-linter) needs no new lock.

`check` fails, with one line and exit status 1, when

- the fingerprint is missing or differs from pyproject.toml's dependency sections (someone
  changed a dependency and did not refresh the lock);
- a requirement of pyproject.toml is not pinned, or is pinned to a version outside its range
  (a hand-edited lock);
- a pin has no hash (pip and uv refuse to install it with hashes required).

It needs no network and no resolver, so the lint step of `./run test` runs it in well under a
second. The subcommands `tools`, `stamp` and `pin` serve `./run` itself and use only the
standard library, so they work before anything is installed.

Usage::

    python .ci/lockfile.py check [--pyproject FILE] [--lock FILE]
    python .ci/lockfile.py stamp [--pyproject FILE] [--lock FILE]
    python .ci/lockfile.py tools [--pyproject FILE]
    python .ci/lockfile.py pin NAME [--lock FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Installed from the lock beside the project's own requirements: pip (kept in the virtualenv
# for hand use) and uv (which installs the lock).
INSTALL_TOOLS = ("pip", "uv")
# The target the lock is resolved for, and the marker environment its requirements are read in.
TARGET_MARKERS = {
    "python_version": "3.11",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
}
FINGERPRINT_PREFIX = "# pyproject.toml dependencies sha256: "
REFRESH = "run ./run lock (keeps the other pins) or ./run upgrade (newest of everything)"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


class LockError(Exception):
    """A file that cannot be read as a pyproject.toml or a lock file."""


@dataclass
class Pin:
    """One pinned release of the lock: its version and the hashes of its files."""

    version: str
    hashes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def canonical_name(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503): lower case, runs of -_. as -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pyproject(path: Path) -> dict:
    """pyproject.toml as a dict; LockError when missing or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LockError(f"cannot read {path.name}: {error}") from error


def read_lock(path: Path) -> str:
    """The lock file's text; LockError when missing."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise LockError(f"cannot read {path.name}: {error}") from error


def build_requires(pyproject: dict) -> list[str]:
    """The build backend's requirements ([build-system] requires)."""
    return list(pyproject.get("build-system", {}).get("requires", []))


def locked_requirements(pyproject: dict) -> list[str]:
    """Every requirement the lock must satisfy: dependencies, all optional groups, the build
    backend and the install tools."""
    project = pyproject.get("project", {})
    groups = project.get("optional-dependencies", {})
    return [
        *project.get("dependencies", []),
        *(requirement for group in groups.values() for requirement in group),
        *build_requires(pyproject),
        *INSTALL_TOOLS,
    ]


def fingerprint(pyproject: dict) -> str:
    """sha256 of the dependency sections (order of entries ignored), as hex."""
    project = pyproject.get("project", {})
    specs = {
        "requires-python": project.get("requires-python", ""),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {
            group: sorted(requirements)
            for group, requirements in sorted(project.get("optional-dependencies", {}).items())
        },
        "build-system.requires": sorted(build_requires(pyproject)),
        "install-tools": list(INSTALL_TOOLS),
    }
    return hashlib.sha256(json.dumps(specs, sort_keys=True).encode()).hexdigest()


def recorded_fingerprint(lock_text: str) -> str | None:
    """The fingerprint stamped into the lock's header, or None."""
    for line in lock_text.splitlines():
        if line.startswith(FINGERPRINT_PREFIX):
            return line.removeprefix(FINGERPRINT_PREFIX).strip()
    return None


def stamped(lock_text: str, digest: str) -> str:
    """The lock text with its fingerprint line set to `digest`, placed after the header
    comment that uv writes (replacing an older fingerprint line)."""
    lines = [line for line in lock_text.splitlines() if not line.startswith(FINGERPRINT_PREFIX)]
    header = 0
    while header < len(lines) and lines[header].startswith("#"):
        header += 1
    lines.insert(header, FINGERPRINT_PREFIX + digest)
    return "\n".join(lines) + "\n"


def parse_pins(lock_text: str) -> dict[str, Pin]:
    """The pins of a requirements file in pip's hash-checking format, by canonical name."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in lock_text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            if current is not None:
                current.lines.append(line)
                current.hashes += re.findall(r"--hash=(\S+)", line)
            continue
        match = _PIN.match(line)
        if match is None:
            raise LockError(f"not a pinned requirement: {line.strip()!r}")
        current = Pin(version=match.group(2), lines=[line])
        current.hashes += re.findall(r"--hash=(\S+)", line)
        pins[canonical_name(match.group(1))] = current
    return pins


def problems(pyproject: dict, lock_text: str) -> list[str]:
    """What disagrees between pyproject.toml and the lock; empty when they agree."""
    from packaging.markers import default_environment
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    found: list[str] = []
    recorded = recorded_fingerprint(lock_text)
    if recorded is None:
        found.append("the lock has no fingerprint line (not made by ./run lock)")
    elif recorded != fingerprint(pyproject):
        found.append("pyproject.toml's dependencies changed since the lock was made")
    pins = parse_pins(lock_text)
    environment = {**default_environment(), **TARGET_MARKERS, "extra": ""}
    for text in locked_requirements(pyproject):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            found.append(f"pyproject.toml: {error}")
            continue
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        pin = pins.get(canonical_name(requirement.name))
        if pin is None:
            found.append(f"{requirement.name} is not pinned")
            continue
        try:
            version = Version(pin.version)
        except InvalidVersion:
            found.append(f"{requirement.name}=={pin.version} is not a version")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{requirement.name}=={pin.version} is outside {requirement.specifier}")
    found += [f"{name}=={pin.version} has no hash" for name, pin in pins.items() if not pin.hashes]
    return found


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["check", "stamp", "tools", "pin"])
    parser.add_argument("name", nargs="?", help="the package whose pin `pin` prints")
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    arguments = parser.parse_args(argv)
    if (arguments.command == "pin") != (arguments.name is not None):
        parser.error("`pin` takes a package name; the other commands take none")
    return arguments


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; 0 when done or in agreement, 1 with one line on stderr otherwise."""
    arguments = _arguments(argv)
    try:
        if arguments.command == "tools":
            print("\n".join([*INSTALL_TOOLS, *build_requires(read_pyproject(arguments.pyproject))]))
        elif arguments.command == "pin":
            pin = parse_pins(read_lock(arguments.lock)).get(canonical_name(arguments.name))
            if pin is None:
                raise LockError(f"{arguments.name} is not pinned in {arguments.lock.name}")
            print("\n".join(pin.lines))
        elif arguments.command == "stamp":
            digest = fingerprint(read_pyproject(arguments.pyproject))
            arguments.lock.write_text(stamped(read_lock(arguments.lock), digest), encoding="utf-8")
        else:
            found = problems(read_pyproject(arguments.pyproject), read_lock(arguments.lock))
            if found:
                shown = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if found[3:] else "")
                print(
                    f"{arguments.lock.name} does not match pyproject.toml: {shown}; {REFRESH}",
                    file=sys.stderr,
                )
                return 1
    except LockError as error:
        print(f"lockfile: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

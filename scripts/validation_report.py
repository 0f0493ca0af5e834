"""Write the requirement traceability matrix (`make validation-report`, docs/validation.md).

    python scripts/validation_report.py [--junit var/validation/junit.xml] [--out var/validation]

Reads the requirements of docs/spec/, the `requirement` marks of tests/ and, when given, the JUnit
XML of a pytest run; writes traceability.md and traceability.csv with, for each requirement, the
tests that hold it and their results, the requirements no test holds, and the versions of Python,
Django and every dependency pinned in pyproject.toml. Exits 1 when a requirement's test failed or
a test cites an id the spec does not define.
"""

import argparse
import datetime
import platform
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import traceability  # noqa: E402


def pinned_dependencies(pyproject: Path) -> list[tuple[str, str]]:
    """(name, pinned version) of every `name==version` in pyproject's dependencies and extras."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    specs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    pins = []
    for spec in specs:
        if "==" in spec:
            name, version = (part.strip() for part in spec.split(";")[0].split("==", 1))
            pins.append((name.split("[")[0], version))
    return pins


def installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes" if dirty else "")


def environment(junit: Path | None) -> list[tuple[str, str]]:
    rows = [("Date (UTC)", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")),
            ("Git commit", git_commit()),
            ("Test results", str(junit.relative_to(ROOT) if junit and junit.is_relative_to(ROOT)
                                 else junit) if junit else "none given"),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()}, "
                       f"{platform.platform()})")]
    # Django first, then every other pinned dependency in pyproject's order; a version that
    # differs from its pin is shown with the pin.
    pins = sorted(pinned_dependencies(ROOT / "pyproject.toml"), key=lambda pin: pin[0] != "Django")
    for name, pinned in pins:
        version = installed(name)
        rows.append((name, version if version == pinned else f"{version} (pinned {pinned})"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junit", type=Path, help="JUnit XML of a pytest run (its results)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "validation")
    args = parser.parse_args(argv)
    junit = args.junit.resolve() if args.junit else None
    run = traceability.read_junit(junit) if junit else None
    matrix = traceability.build_matrix(traceability.read_requirements(),
                                       traceability.marked_tests(ROOT), run)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "traceability.md").write_text(traceability.markdown(matrix, environment(junit)),
                                              encoding="utf-8")
    traceability.write_csv(matrix, args.out / "traceability.csv")
    held = len(matrix.rows) - len(matrix.not_held)
    print(f"{held} of {len(matrix.rows)} requirements held by at least one test; "
          f"{matrix.count(traceability.FAILED)} with a failing test; "
          f"written to {args.out}/traceability.md and .csv")
    return 1 if matrix.count(traceability.FAILED) or matrix.unknown else 0


if __name__ == "__main__":
    sys.exit(main())

"""The repository stands alone: a fresh clone with nothing beside it tests and runs, so no code,
test, script or Makefile reaches outside it; and the specification it carries (docs/spec/) gives
each requirement one well-formed id that citations can rely on. Files only, no database."""

import os
import re
from pathlib import Path

import pytest

THIS_FILE = Path(__file__).resolve()
ROOT = THIS_FILE.parents[1]
SPEC = ROOT / "docs" / "spec"

# Local state and vendored files, not the project's own.
NOT_THE_PROJECTS = {".git", ".venv", "var", "node_modules", "__pycache__", "test-artifacts",
                    ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "vendor"}
SCRIPT_DIRS = ("scripts", ".ci")
SCRIPT_NAMES = {"Makefile", "Dockerfile", "docker-compose.yml", "pyproject.toml"}

# A relative path up out of a directory, an absolute path into this machine's work area, or a
# `shared` as a quoted path component (how the tests once reached a directory beside the clone).
OUTSIDE = re.compile(r"\.\./|\bcd \.\.(\s|;|$)|/work/|[\"']shared[\"']\s*/|/\s*[\"']shared[\"']")
# `Path(__file__)` climbed with `.parent` and `.parents[n]`.
CLIMB = re.compile(r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?"
                   r"((?:\.parent\b)*)(?:\.parents\[(\d+)\])?((?:\.parent\b)*)")

PREFIX_OF = {"contract.md": "CON", "endpoints.md": "END", "clinical-rules.md": "CLIN"}
REQUIREMENT = re.compile(r"^- \*\*\[([A-Z0-9-]+)\]\*\*", re.MULTILINE)
ID = re.compile(r"^(CON|END|CLIN)-[A-Z0-9]+-\d{2}$")
CITED_ID = re.compile(r"\b(?:CON|END|CLIN)-[A-Z0-9]+-\d{2}\b")
CITED_SPEC = re.compile(r"docs/spec/[\w.-]+\.md")


def project_files():
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in NOT_THE_PROJECTS
                                   and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(directory, name)
            yield path, path.relative_to(ROOT)


def code_and_scripts():
    """Every Python file, shell script, Makefile and build file, but this one: its examples below
    are paths outside, on purpose."""
    return [(path, relative) for path, relative in project_files()
            if (path.suffix in (".py", ".sh") or relative.name in SCRIPT_NAMES
                or relative.parts[0] in SCRIPT_DIRS) and path != THIS_FILE]


def levels_climbed(match: re.Match) -> int:
    before, index, after = match.groups()
    return before.count(".parent") + (int(index) + 1 if index else 0) + after.count(".parent")


def requirement_ids() -> dict[str, list[str]]:
    return {name: REQUIREMENT.findall((SPEC / name).read_text(encoding="utf-8"))
            for name in PREFIX_OF}


def test_the_walk_sees_the_code_tests_and_scripts():
    names = {relative.as_posix() for _, relative in code_and_scripts()}
    assert {"Makefile", ".ci/run", "scripts/test.sh", "manage.py", "tests/conftest.py",
            "tests/exchange/test_exchange.py", "bench/web.py"} <= names


def test_no_code_test_or_script_names_a_path_outside_the_repository():
    found = [f"{relative}:{number}: {line.strip()}"
             for path, relative in code_and_scripts()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert found == []


def test_no_python_file_climbs_above_the_repository_from_its_own_path():
    found = [f"{relative}: {match.group(0)}"
             for path, relative in code_and_scripts() if path.suffix == ".py"
             for match in CLIMB.finditer(path.read_text(encoding="utf-8"))
             if levels_climbed(match) > len(relative.parts)]
    assert found == []


@pytest.mark.parametrize(("source", "relative", "escapes"), [
    ("Path(__file__).resolve().parents[4] / 'data'", "tests/app/test_x.py", True),
    ("Path(__file__).resolve().parents[2].parent", "tests/app/test_x.py", True),
    ("Path(__file__).parent.parent.parent.parent", "tests/app/test_x.py", True),
    ("Path(__file__).resolve().parents[2] / 'docs'", "tests/app/test_x.py", False),
    ("Path(__file__).resolve().parent.parent", "trial_edc/settings.py", False),
])
def test_climbing_is_counted_from_the_files_depth(source, relative, escapes):
    match = CLIMB.search(source)
    assert (levels_climbed(match) > len(Path(relative).parts)) is escapes


@pytest.mark.parametrize("line", [
    "SAMPLE = ROOT.parent / 'shared' / 'samples' / 'demo.json'",
    "python ../checks/report_shape.py",
    'cd "$(dirname "$0")/../.."',
    "cd .. && make test",
    'DATA = "/work/shared/spec"',
])
def test_a_path_outside_is_recognised(line):
    assert OUTSIDE.search(line)


@pytest.mark.parametrize("line", [
    'cd "$(dirname "$0")/.."',
    "from celery import shared_task",
    '"""Fixtures shared by the whole suite."""',
])
def test_a_path_inside_is_not_taken_for_one_outside(line):
    assert not OUTSIDE.search(line)


def test_every_requirement_has_a_well_formed_id_of_its_document():
    for name, ids in requirement_ids().items():
        assert ids, f"{name} has no requirements"
        wrong = [i for i in ids if not ID.match(i) or not i.startswith(PREFIX_OF[name] + "-")]
        assert wrong == [], name


def test_requirement_ids_are_unique():
    ids = [i for ids in requirement_ids().values() for i in ids]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_every_cited_requirement_id_and_spec_document_exists():
    defined = {i for ids in requirement_ids().values() for i in ids}
    cited_ids, cited_documents = set(), set()
    for path, relative in project_files():
        if path.suffix in (".py", ".md", ".html", ".sh") and relative.parts[0] != "docs":
            text = path.read_text(encoding="utf-8")
            cited_ids.update(CITED_ID.findall(text))
            cited_documents.update(CITED_SPEC.findall(text))
    assert cited_ids - defined == set()
    assert sorted(d for d in cited_documents if not (ROOT / d).is_file()) == []

"""Requirement traceability: which tests hold which requirement of docs/spec/, and with what result.

Three sources, read without running anything:

- the spec documents, where every requirement opens with its bold id (`- **[END-ORR-01]** …`);
- the test files, where a test names the ids it holds with `@pytest.mark.requirement("END-ORR-01")`
  on the function or its class, or `pytestmark = pytest.mark.requirement(...)` for a whole module
  (read from the source, so a test that did not run is still listed, as "not run");
- a JUnit XML file of a run (`pytest --junitxml`), for each test's result; the suite's conftest also
  writes each test's ids into it as a `requirement` property, so a mark the source reading cannot
  see (built at run time) still counts.

`check_requirement_marks` is the collection check the suite's conftest runs: a test citing an id no
spec document defines stops the run, so ids cannot drift from the documents.
`scripts/validation_report.py` (`make validation-report`) builds the matrix; docs/validation.md
describes it.
"""

from __future__ import annotations

import ast
import csv
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "docs" / "spec"
SPEC_DOCUMENTS = ("contract.md", "endpoints.md", "clinical-rules.md")
MARKER = "requirement"

REQUIREMENT_LINE = re.compile(r"^- \*\*\[([A-Z0-9-]+)\]\*\*\s*(.*)$")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# The end of a requirement's first sentence: a full stop before a space or the end; not the dots of
# `0.01`, `.venv`, `e.g.` or `et al.`.
SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)(?<!\bal)(?<!\.\.)\.(?=\s|$)")

PASSED, FAILED, SKIPPED, NOT_RUN = "passed", "failed", "skipped", "not run"
NOT_HELD = "no test holds it"


# --- the spec -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    id: str
    document: str
    heading: str
    sentence: str


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = SENTENCE_END.search(text)
    return text[: match.end()] if match else text


def parse_requirements(text: str, document: str) -> list[Requirement]:
    """The requirements of one spec document, in order, each with the heading it sits under and
    the first sentence of its text (a requirement may run over several indented lines)."""
    found, heading, current = [], "", None

    def close():
        if current is not None:
            requirement_id, under, lines = current
            found.append(Requirement(requirement_id, document, under,
                                     first_sentence(" ".join(lines))))

    for line in text.splitlines():
        if (match := REQUIREMENT_LINE.match(line)):
            close()
            current = (match.group(1), heading, [match.group(2)])
        elif current is not None and line.startswith("  ") and line.strip():
            current[2].append(line.strip())
        else:
            close()
            current = None
            if (match := HEADING.match(line)):
                heading = match.group(2).strip()
    close()
    return found


def read_requirements(spec_dir: Path = SPEC_DIR,
                      documents: tuple[str, ...] = SPEC_DOCUMENTS) -> list[Requirement]:
    return [requirement for name in documents
            for requirement in parse_requirements((spec_dir / name).read_text(encoding="utf-8"),
                                                  name)]


def known_ids(spec_dir: Path = SPEC_DIR) -> set[str]:
    return {requirement.id for requirement in read_requirements(spec_dir)}


# --- the collection check (run by tests/conftest.py) ------------------------------------------

def marked_ids(item) -> list[str]:
    """The ids a collected test holds, from every `requirement` mark on it, its class and module."""
    ids = []
    for mark in item.iter_markers(MARKER):
        if not mark.args or not all(isinstance(arg, str) for arg in mark.args):
            raise ValueError(f"{item.nodeid}: @pytest.mark.{MARKER} takes one or more requirement "
                             f"ids as strings, e.g. @pytest.mark.{MARKER}(\"END-ORR-01\"); "
                             f"got {mark.args!r}")
        ids.extend(arg for arg in mark.args if arg not in ids)
    return ids


def check_requirement_marks(items, known: set[str]) -> list[str]:
    """Problems with the `requirement` marks of the collected tests, one line each (empty when
    every id cited exists); records each test's ids as a `requirement` property for JUnit XML."""
    problems = []
    for item in items:
        try:
            ids = marked_ids(item)
        except ValueError as error:
            problems.append(str(error))
            continue
        unknown = [i for i in ids if i not in known]
        if unknown:
            problems.append(f"{item.nodeid}: @pytest.mark.{MARKER} names "
                            f"{', '.join(map(repr, unknown))}, which no document in docs/spec/ "
                            f"defines (ids are written like END-ORR-01: see docs/spec/README.md)")
        if ids:
            item.user_properties.append((MARKER, " ".join(ids)))
    return problems


def pytest_collection_modifyitems(config, items):
    """A test cites only requirement ids the spec defines: an id that drifted from docs/spec/
    stops the run before any test. tests/conftest.py imports this hook; it is also a plugin of its
    own (`-p tests.traceability`) for a test file outside tests/."""
    import pytest

    problems = check_requirement_marks(items, known_ids())
    if problems:
        raise pytest.UsageError("Unknown requirement ids:\n" + "\n".join(problems))


# --- the tests, read from their source -----------------------------------------------------------

def _requirement_args(node: ast.expr) -> list[str] | None:
    """The string ids of a `pytest.mark.requirement(...)` expression (or a list/tuple of marks for
    `pytestmark`), None when the expression is not one."""
    if isinstance(node, ast.List | ast.Tuple):
        found = [_requirement_args(element) for element in node.elts]
        found = [ids for ids in found if ids is not None]
        return [i for ids in found for i in ids] if found else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == MARKER and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "mark"):
        return [arg.value for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return None


def _decorator_ids(node) -> list[str]:
    return [i for decorator in node.decorator_list for i in (_requirement_args(decorator) or [])]


def _pytestmark_ids(body) -> list[str]:
    """The ids of a module's or class's `pytestmark = ...` (plain or annotated assignment)."""
    ids = []
    for statement in body:
        targets = (statement.targets if isinstance(statement, ast.Assign)
                   else [statement.target] if isinstance(statement, ast.AnnAssign) else [])
        named = any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets)
        if named and statement.value is not None:
            ids += _requirement_args(statement.value) or []
    return ids


def marked_tests_in_source(source: str, module: str, path: str) -> dict[str, Citation]:
    """The tests of one module that hold requirements, keyed by their JUnit name without
    parameters (`tests.area.test_x.TestClass::test_name`)."""
    found = {}

    def visit(body, classes: list[str], inherited: list[str]):
        inherited = inherited + _pytestmark_ids(body)
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, [*classes, node.name], inherited + _decorator_ids(node))
            elif (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.name.startswith("test")):
                ids = list(dict.fromkeys(inherited + _decorator_ids(node)))
                if ids:
                    key = ".".join([module, *classes]) + "::" + node.name
                    found[key] = Citation("::".join([path, *classes, node.name]), ids)

    visit(ast.parse(source).body, [], [])
    return found


def marked_tests(root: Path = ROOT, tests_dir: str = "tests") -> dict[str, Citation]:
    found = {}
    for path in sorted((root / tests_dir).rglob("test_*.py")):
        relative = path.relative_to(root)
        module = ".".join(relative.with_suffix("").parts)
        found.update(marked_tests_in_source(path.read_text(encoding="utf-8"), module,
                                            relative.as_posix()))
    return found


@dataclass
class Citation:
    nodeid: str
    ids: list[str]
    results: list[str] = field(default_factory=list)

    @property
    def result(self) -> str:
        """One result for the test over its parameter sets: failed if any failed, passed if any
        passed and none failed, skipped if every one skipped, not run if it is not in the run."""
        if not self.results:
            return NOT_RUN
        for result in (FAILED, PASSED):
            if result in self.results:
                return result
        return SKIPPED


# --- a run's results ---------------------------------------------------------------------------

@dataclass
class RunResults:
    by_test: dict[str, list[str]]
    ids_by_test: dict[str, list[str]]
    totals: dict[str, int]


def read_junit(path: Path) -> RunResults:
    root = ET.parse(path).getroot()
    by_test, ids_by_test = defaultdict(list), {}
    totals = {PASSED: 0, FAILED: 0, SKIPPED: 0}
    for case in root.iter("testcase"):
        key = f"{case.get('classname', '')}::{case.get('name', '').split('[', 1)[0]}"
        if case.find("failure") is not None or case.find("error") is not None:
            result = FAILED
        elif case.find("skipped") is not None:
            result = SKIPPED
        else:
            result = PASSED
        by_test[key].append(result)
        totals[result] += 1
        for prop in case.iter("property"):
            if prop.get("name") == MARKER:
                ids = ids_by_test.setdefault(key, [])
                ids.extend(i for i in prop.get("value", "").split() if i not in ids)
    return RunResults(dict(by_test), ids_by_test, totals)


# --- the matrix ---------------------------------------------------------------------------------

@dataclass
class Row:
    requirement: Requirement
    tests: list[Citation]

    @property
    def result(self) -> str:
        if not self.tests:
            return NOT_HELD
        results = {test.result for test in self.tests}
        for result in (FAILED, PASSED, SKIPPED):
            if result in results:
                return result
        return NOT_RUN


@dataclass
class Matrix:
    rows: list[Row]
    unknown: dict[str, list[str]]
    run_totals: dict[str, int] | None

    @property
    def not_held(self) -> list[Requirement]:
        return [row.requirement for row in self.rows if not row.tests]

    def count(self, result: str) -> int:
        return sum(row.result == result for row in self.rows)


def build_matrix(requirements: list[Requirement], citations: dict[str, Citation],
                 run: RunResults | None) -> Matrix:
    citations = {key: Citation(c.nodeid, list(c.ids)) for key, c in citations.items()}
    if run is not None:
        for key, ids in run.ids_by_test.items():
            citation = citations.setdefault(key, Citation(key, []))
            citation.ids.extend(i for i in ids if i not in citation.ids)
        for key, citation in citations.items():
            citation.results = run.by_test.get(key, [])
    defined = {r.id for r in requirements}
    holding = defaultdict(list)
    unknown = defaultdict(list)
    for citation in sorted(citations.values(), key=lambda c: c.nodeid):
        for requirement_id in citation.ids:
            (holding if requirement_id in defined else unknown)[requirement_id].append(citation)
    return Matrix([Row(r, holding.get(r.id, [])) for r in requirements],
                  {i: [c.nodeid for c in cs] for i, cs in unknown.items()},
                  run.totals if run is not None else None)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(matrix: Matrix, environment: list[tuple[str, str]]) -> str:
    rows = matrix.rows
    held = len(rows) - len(matrix.not_held)
    lines = ["# Requirement traceability matrix", "", "## Run and environment", ""]
    lines += [f"- {name}: {value}" for name, value in environment]
    lines += ["", "## Totals", "",
              f"- Requirements: {len(rows)}; held by at least one test: {held}; "
              f"held by none: {len(matrix.not_held)}.",
              f"- Requirements whose tests passed: {matrix.count(PASSED)}; failed: "
              f"{matrix.count(FAILED)}; only skipped: {matrix.count(SKIPPED)}; not run: "
              f"{matrix.count(NOT_RUN)}."]
    if matrix.run_totals is None:
        lines.append("- No test results were given: every test is listed as not run.")
    else:
        totals = matrix.run_totals
        lines.append(f"- Tests in the run: {sum(totals.values())}; passed {totals[PASSED]}, "
                     f"failed {totals[FAILED]}, skipped {totals[SKIPPED]}.")
    if matrix.unknown:
        lines += ["", "## Ids cited by tests that no spec document defines", ""]
        lines += [f"- {i}: {', '.join(tests)}" for i, tests in sorted(matrix.unknown.items())]
    lines += ["", "## Matrix", "",
              "| Requirement | Document § | Requirement text (first sentence) | Tests | Result |",
              "|---|---|---|---|---|"]
    for row in rows:
        r = row.requirement
        tests = "<br>".join(f"`{t.nodeid}` ({t.result})" for t in row.tests) or "—"
        lines.append(f"| {r.id} | {r.document} § {_cell(r.heading)} | {_cell(r.sentence)} | "
                     f"{tests} | {row.result} |")
    lines += ["", "## Requirements no test holds", ""]
    lines += [f"- {r.id} ({r.document} § {r.heading}): {r.sentence}" for r in matrix.not_held]
    if not matrix.not_held:
        lines.append("- None.")
    return "\n".join(lines) + "\n"


def write_csv(matrix: Matrix, path: Path) -> None:
    """One line per requirement and test (one line with no test for a requirement none holds)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["requirement", "document", "heading", "text", "requirement_result",
                         "test", "test_result"])
        for row in matrix.rows:
            r = row.requirement
            for test in row.tests or [None]:
                writer.writerow([r.id, r.document, r.heading, r.sentence, row.result,
                                 test.nodeid if test else "", test.result if test else ""])

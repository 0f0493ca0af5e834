"""The documentation stays true of the repository: README.md and docs/**/*.md link only to files
and headings that exist; every dotted name docs/architecture.md gives in backticks imports; the
permission table of docs/security.md is the one core.roles computes; every setting the
operations page lists is read by the settings module; and the README stays short enough to read
in five minutes; the contract's table of bundle objects is exchange/spec.py's. Files and imports
only, no database."""

import importlib
import re
import sys
import tomllib
from pathlib import Path

import pytest

from core.roles import CUSTOM_PERMISSIONS, ROLES, role_permissions

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
ARCHITECTURE = DOCS / "architecture.md"
# A newcomer reads the README in five minutes: about 110 lines of prose, tables and commands.
README_MAX_LINES = 110

PACKAGES = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
               ["tool"]["importlinter"]["root_packages"])
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
INLINE_CODE = re.compile(r"`[^`]*`")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
DOTTED = re.compile(r"`([a-z_][a-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`")


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """The file's lines outside fenced code blocks, numbered from 1."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for _, line in prose_lines(path):
        if match := HEADING.match(line):
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[tuple[int, str]]:
    return [(number, target)
            for number, line in prose_lines(path)
            for target in LINK.findall(INLINE_CODE.sub("", line))
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]  # http:, https:, mailto:


def broken(path: Path, target: str) -> str | None:
    """Why a link from `path` to `target` leads nowhere, or None when it resolves."""
    file_part, _, anchor = target.partition("#")
    destination = (path.parent / file_part).resolve() if file_part else path
    if ROOT not in destination.parents and destination != ROOT:
        return "leads outside the repository"
    if not destination.exists():
        return "no such file"
    if anchor:
        if destination.suffix != ".md":
            return "an anchor into a file that is not Markdown"
        if anchor not in anchors(destination):
            return f"no heading #{anchor} in {destination.relative_to(ROOT)}"
    return None


def test_the_docs_pages_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in markdown_files()}
    assert {"README.md", "docs/architecture.md", "docs/spec/contract.md"} <= names


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_to_a_file_and_heading(path):
    problems = [f"{path.relative_to(ROOT)}:{number}: ({target}) {why}"
                for number, target in relative_links(path)
                if (why := broken(path, target))]
    assert problems == []


def test_the_readme_links_to_every_docs_page():
    linked = {(README.parent / target.partition("#")[0]).resolve()
              for _, target in relative_links(README)}
    pages = {path.resolve() for path in DOCS.glob("*.md")}
    assert sorted(p.name for p in pages - linked) == []


@pytest.mark.parametrize(("heading", "anchor"), [
    ("The sponsor's share", "the-sponsors-share"),
    ("6. Roles", "6-roles"),
    ("REST API v1", "rest-api-v1"),
    ("`make bench` and its figures", "make-bench-and-its-figures"),
])
def test_anchors_are_made_as_github_makes_them(heading, anchor):
    assert slug(heading) == anchor


def test_a_broken_link_and_a_missing_heading_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## A section\n\n```sh\n# not a heading\n```\n")
    assert broken(page, "#a-section") is None
    assert broken(page, "#title") is None
    assert broken(page, "#not-a-heading") == "no heading #not-a-heading in page.md"
    assert broken(page, "missing.md") == "no such file"


def resolve(dotted: str):
    """Import the longest module prefix of `dotted`, then getattr the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError as missing:
            if missing.name != ".".join(parts[:cut]) and not ".".join(parts[:cut]).startswith(
                    f"{missing.name}."):
                raise  # the module exists but imports something that does not
            continue
        for name in parts[cut:]:
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(dotted)


def architecture_names() -> list[str]:
    text = "\n".join(line for _, line in prose_lines(ARCHITECTURE))
    return sorted({name for name in DOTTED.findall(text) if name.split(".")[0] in PACKAGES})


def test_the_architecture_map_names_enough_code_to_be_checked():
    assert len(architecture_names()) >= 40


@pytest.mark.parametrize("dotted", architecture_names())
def test_every_name_on_the_architecture_map_imports(dotted):
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"docs/architecture.md names `{dotted}`, which does not resolve: {error}")


def test_a_name_that_moved_is_caught():
    with pytest.raises(AttributeError):
        resolve("core.audit.record_saved")
    with pytest.raises(AttributeError):
        resolve("core.auditing.record_save")
    with pytest.raises(ModuleNotFoundError):
        resolve("kernel.audit.record_save")


TOP_LEVEL = PACKAGES | {"tests", "scripts", "bench", "docs", "templates", "static", ".ci"}
REPO_PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*)`")


def named_paths(path: Path) -> list[str]:
    """The repository paths a page gives in backticks (`core/roles.py`, `tests/e2e/`)."""
    text = "\n".join(line for _, line in prose_lines(path))
    return sorted({name for name in REPO_PATH.findall(text)
                   if name.split("/")[0] in TOP_LEVEL})


@pytest.mark.parametrize("path", [README, *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_file_a_page_names_exists(path):
    assert [name for name in named_paths(path) if not (ROOT / name).exists()] == []


def test_a_path_named_in_backticks_is_found():
    names = named_paths(DOCS / "architecture.md")
    assert {"trial_edc/settings.py", "casebook/patient_urls.py", "monitoring/apps.py"} <= set(names)


def test_the_security_pages_permission_table_is_the_code():
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    header = next(line for line in text.splitlines() if line.startswith("| permission |"))
    assert [cell.strip() for cell in header.strip("|").split("|")][1:] == list(ROLES)
    documented = {}
    for line in text.splitlines():
        if match := re.match(r"^\| `(\w+)`", line):
            cells = [cell.strip() for cell in line.strip("|").split("|")][1:]
            documented[match.group(1)] = {role for role, cell in zip(ROLES, cells, strict=True)
                                          if cell == "yes"}
    permissions = role_permissions()
    assert documented == {code: {role for role in ROLES if f"trial_edc.{code}" in permissions[role]}
                          for code, _ in CUSTOM_PERMISSIONS}


def test_every_setting_the_operations_page_lists_is_read_by_the_settings_module():
    settings_source = (ROOT / "trial_edc" / "settings.py").read_text(encoding="utf-8")
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, re.MULTILINE)
    assert len(listed) >= 20
    assert [name for name in listed if f'"{name}"' not in settings_source] == []


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


# --- The contract's table of bundle keys is exchange/spec.py ----------------------------------

CONTRACT = DOCS / "spec" / "contract.md"


def _contract_rows() -> dict[str, tuple[str, set[str], set[str]]]:
    """The contract's table of bundle objects: key → (where, its keys, its required keys)."""
    rows = {}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^\| `(\w+)` \| ([a-z ]+) \| (?:list|object) \| (.*) \|$", line):
            cells = match.group(3)
            rows[match.group(1)] = (match.group(2),
                                    set(re.findall(r"`(\w+)`", cells)),
                                    set(re.findall(r"`(\w+)`\*", cells)))
    return rows


def _spec_objects() -> dict[str, tuple[str, set[str], set[str]]]:
    """Every object of the bundle format as exchange/spec.py declares it, the same way."""
    from exchange import spec

    def of(where, part, extra=()):
        return (where, {*part.keys, *extra}, {k for k in part.keys if part.is_required(k)})

    objects = {"dose_levels": of("study", spec.DOSE_LEVEL), "donors": of("study", spec.DONOR),
               "product_lots": of("study", spec.PRODUCT_LOT, spec.LOT_LINKS)}
    objects |= {key: of("patient", part) for key, part in spec.PATIENT_SINGLES.items()}
    extras = {"adverse_events": (*spec.AE_DETAILS, "dlt_adjudication"),
              "concomitant_medications": (spec.TREATED_EVENT_KEY,),
              "protocol_deviations": (spec.DEVIATION_RECORD_KEY,)}
    objects |= {key: of("patient", part, extras.get(key, ()))
                for key, part in spec.PATIENT_LISTS.items()}
    objects |= {key: of("adverse event", part) for key, part in spec.AE_DETAILS.items()}
    return objects


def test_the_contract_lists_every_bundle_key_of_the_spec_with_its_fields():
    from exchange import spec

    objects = _spec_objects()
    assert set(objects) == {*spec.STUDY_LISTS, *spec.PATIENT_SINGLES, *spec.PATIENT_LISTS,
                            *spec.AE_DETAILS}
    assert _contract_rows() == objects


def test_a_key_missing_from_the_contract_table_is_caught(tmp_path, monkeypatch):
    text = CONTRACT.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `rcl_tests` |"))
    shortened = tmp_path / "contract.md"
    shortened.write_text(text.replace(row, row.replace(", `result`*", "")), encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "CONTRACT", shortened)
    assert _contract_rows()["rcl_tests"] != _spec_objects()["rcl_tests"]

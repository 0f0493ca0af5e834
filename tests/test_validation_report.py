"""The validation package's builder (tests/traceability.py, scripts/validation_report.py): spec
text, test source and a JUnit XML written by hand here, and the collection check run on a small
test file of its own. No full-suite run."""

import csv
import os
import subprocess
import sys
import textwrap

import pytest

from tests import traceability as t

ROOT = t.ROOT

# The ids of this hand-made spec use a prefix of their own, so that they are not taken for
# citations of docs/spec/ (tests/test_repository.py checks every id cited in the repository).
SPEC_A = textwrap.dedent("""\
    # Document A

    - **[DEMO-GEN-01]** A general rule. Its second sentence is not shown.

    ## 1. Counting

    - **[DEMO-CNT-01]** Counts are whole numbers, e.g. 3 or 4; never
      fractions such as 0.5. More text.
    - **[DEMO-CNT-02]** Nobody tests this one.

    Some prose with **[DEMO-NOT-01]** inside it, which is not a requirement.
""")
SPEC_B = "# Document B\n\n## Sums\n\n- **[DEMO-SUM-01]** A sum of counts is a count.\n"

TESTS_SOURCE = textwrap.dedent("""\
    import pytest

    pytestmark = [pytest.mark.django_db, pytest.mark.requirement("DEMO-GEN-01")]


    @pytest.mark.requirement("DEMO-CNT-01")
    @pytest.mark.parametrize("n", [1, 2])
    def test_counts(n):
        pass


    def test_only_the_module_mark():
        pass


    def helper_not_a_test():
        pass


    @pytest.mark.requirement("DEMO-SUM-01", "DEMO-GONE-01")
    class TestSums:
        @pytest.mark.requirement("DEMO-CNT-01")
        def test_sum(self):
            pass

        def test_skipped(self):
            pass
""")

MODULE = "tests.area.test_demo"
JUNIT = textwrap.dedent(f"""\
    <?xml version="1.0" encoding="utf-8"?>
    <testsuites><testsuite name="pytest" tests="6">
      <testcase classname="{MODULE}" name="test_counts[1]" time="0.1"/>
      <testcase classname="{MODULE}" name="test_counts[2]" time="0.1">
        <failure message="assert 0.5 == 1">a traceback</failure>
      </testcase>
      <testcase classname="{MODULE}" name="test_only_the_module_mark" time="0.1"/>
      <testcase classname="{MODULE}.TestSums" name="test_skipped" time="0.0">
        <skipped type="pytest.skip" message="no Redis">skipped</skipped>
      </testcase>
      <testcase classname="tests.area.test_dynamic" name="test_built_at_run_time" time="0.1">
        <properties><property name="requirement" value="DEMO-SUM-01"/></properties>
      </testcase>
      <testcase classname="tests.area.test_unmarked" name="test_other" time="0.1"/>
    </testsuite></testsuites>
""")


def requirements():
    return t.parse_requirements(SPEC_A, "a.md") + t.parse_requirements(SPEC_B, "b.md")


def citations():
    return t.marked_tests_in_source(TESTS_SOURCE, MODULE, "tests/area/test_demo.py")


@pytest.fixture
def run(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT, encoding="utf-8")
    return t.read_junit(path)


def test_requirements_are_read_in_document_order_with_heading_and_first_sentence():
    assert [(r.id, r.document, r.heading, r.sentence) for r in requirements()] == [
        ("DEMO-GEN-01", "a.md", "Document A", "A general rule."),
        ("DEMO-CNT-01", "a.md", "1. Counting",
         "Counts are whole numbers, e.g. 3 or 4; never fractions such as 0.5."),
        ("DEMO-CNT-02", "a.md", "1. Counting", "Nobody tests this one."),
        ("DEMO-SUM-01", "b.md", "Sums", "A sum of counts is a count."),
    ]


def test_the_repository_spec_gives_every_document_its_requirements():
    found = t.read_requirements()
    by_document = {name: [r.id for r in found if r.document == name] for name in t.SPEC_DOCUMENTS}
    assert all(ids for ids in by_document.values())
    prefixes = {"contract.md": "CON-", "endpoints.md": "END-", "clinical-rules.md": "CLIN-"}
    assert all(i.startswith(prefixes[name]) for name, ids in by_document.items() for i in ids)
    assert all(r.heading and r.sentence for r in found)


def test_marks_are_read_from_module_class_and_function():
    assert {key: (c.nodeid, c.ids) for key, c in citations().items()} == {
        f"{MODULE}::test_counts": ("tests/area/test_demo.py::test_counts",
                                   ["DEMO-GEN-01", "DEMO-CNT-01"]),
        f"{MODULE}::test_only_the_module_mark": (
            "tests/area/test_demo.py::test_only_the_module_mark", ["DEMO-GEN-01"]),
        f"{MODULE}.TestSums::test_sum": ("tests/area/test_demo.py::TestSums::test_sum",
                                        ["DEMO-GEN-01", "DEMO-SUM-01", "DEMO-GONE-01",
                                         "DEMO-CNT-01"]),
        f"{MODULE}.TestSums::test_skipped": ("tests/area/test_demo.py::TestSums::test_skipped",
                                            ["DEMO-GEN-01", "DEMO-SUM-01", "DEMO-GONE-01"]),
    }


def test_a_class_pytestmark_holds_for_its_tests_and_a_helper_class_is_not_read():
    source = textwrap.dedent("""\
        import pytest

        class TestLocks:
            pytestmark: list = [pytest.mark.requirement("DEMO-CNT-02")]

            def test_lock(self):
                pass

        @pytest.mark.requirement("DEMO-CNT-01")
        class Helper:
            def test_not_collected(self):
                pass
    """)
    assert {key: c.ids for key, c in t.marked_tests_in_source(source, MODULE, "x.py").items()} \
        == {f"{MODULE}.TestLocks::test_lock": ["DEMO-CNT-02"]}


def test_junit_results_are_read_per_test_over_its_parameters(run):
    assert run.by_test[f"{MODULE}::test_counts"] == ["passed", "failed"]
    assert run.by_test[f"{MODULE}.TestSums::test_skipped"] == ["skipped"]
    assert run.ids_by_test == {"tests.area.test_dynamic::test_built_at_run_time": ["DEMO-SUM-01"]}
    assert run.totals == {"passed": 4, "failed": 1, "skipped": 1}


def test_the_matrix_gives_each_requirement_its_tests_and_their_results(run):
    matrix = t.build_matrix(requirements(), citations(), run)
    rows = {row.requirement.id: row for row in matrix.rows}

    assert [(c.nodeid, c.result) for c in rows["DEMO-CNT-01"].tests] == [
        ("tests/area/test_demo.py::TestSums::test_sum", "not run"),
        ("tests/area/test_demo.py::test_counts", "failed"),
    ]
    # One failing parameter set fails the test, and the test fails the requirement.
    assert rows["DEMO-CNT-01"].result == "failed"
    # A skipped and a not-run test beside a passing one: the requirement passed.
    assert rows["DEMO-SUM-01"].result == "passed"
    assert "tests.area.test_dynamic::test_built_at_run_time" in [
        c.nodeid for c in rows["DEMO-SUM-01"].tests]
    assert rows["DEMO-GEN-01"].result == "failed"
    assert rows["DEMO-CNT-02"].tests == [] and rows["DEMO-CNT-02"].result == t.NOT_HELD
    assert [r.id for r in matrix.not_held] == ["DEMO-CNT-02"]
    assert matrix.unknown == {"DEMO-GONE-01": ["tests/area/test_demo.py::TestSums::test_skipped",
                                               "tests/area/test_demo.py::TestSums::test_sum"]}


def test_a_requirement_whose_tests_only_skipped_or_did_not_run_says_so(run):
    only_skipped = t.marked_tests_in_source(
        "import pytest\n@pytest.mark.requirement('DEMO-GEN-01')\nclass TestSums:\n"
        "    def test_skipped(self):\n        pass\n", MODULE, "tests/area/test_demo.py")
    rows = t.build_matrix(requirements(), only_skipped, run).rows
    assert rows[0].result == "skipped"
    assert t.build_matrix(requirements(), only_skipped, None).rows[0].result == "not run"


def test_the_markdown_lists_environment_totals_matrix_and_what_no_test_holds(run):
    matrix = t.build_matrix(requirements(), citations(), run)
    text = t.markdown(matrix, [("Python", "3.11.7"), ("Django", "5.2.19")])

    assert "- Python: 3.11.7\n- Django: 5.2.19\n" in text
    assert "- Requirements: 4; held by at least one test: 3; held by none: 1." in text
    assert "passed: 1; failed: 2; only skipped: 0; not run: 0." in text
    assert "- Tests in the run: 6; passed 4, failed 1, skipped 1." in text
    assert ("| DEMO-CNT-02 | a.md § 1. Counting | Nobody tests this one. | — | no test holds it |"
            in text)
    assert "`tests/area/test_demo.py::test_counts` (failed)" in text
    not_held = text.split("## Requirements no test holds")[1]
    assert not_held.strip() == "- DEMO-CNT-02 (a.md § 1. Counting): Nobody tests this one."
    assert "- DEMO-GONE-01: tests/area/test_demo.py::TestSums::test_skipped" in text


def test_the_csv_has_a_line_per_requirement_and_test(run, tmp_path):
    matrix = t.build_matrix(requirements(), citations(), run)
    t.write_csv(matrix, tmp_path / "m.csv")
    with (tmp_path / "m.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert [(line["requirement"], line["test"], line["test_result"])
            for line in lines if line["requirement"] == "DEMO-CNT-01"] == [
        ("DEMO-CNT-01", "tests/area/test_demo.py::TestSums::test_sum", "not run"),
        ("DEMO-CNT-01", "tests/area/test_demo.py::test_counts", "failed"),
    ]
    assert [line for line in lines if line["requirement"] == "DEMO-CNT-02"] == [
        {"requirement": "DEMO-CNT-02", "document": "a.md", "heading": "1. Counting",
         "text": "Nobody tests this one.", "requirement_result": "no test holds it",
         "test": "", "test_result": ""}]


def test_the_script_reads_the_pins_of_pyproject():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import validation_report
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    pins = dict(validation_report.pinned_dependencies(ROOT / "pyproject.toml"))
    assert pins["Django"] and pins["pytest"] and pins["celery"]
    assert all(version[0].isdigit() for version in pins.values())


# --- the collection check, on a test file of its own, with the suite's hook as a plugin ----------

def run_pytest_on(tmp_path, source: str):
    (tmp_path / "test_cites.py").write_text(textwrap.dedent(source), encoding="utf-8")
    environment = {**os.environ, "DEBUG": "true"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.traceability", "-p", "no:cacheprovider",
         "-p", "no:django", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-q",
         f"--junitxml={tmp_path / 'junit.xml'}", str(tmp_path / "test_cites.py")],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def test_a_test_citing_an_id_the_spec_does_not_define_stops_the_run(tmp_path):
    result = run_pytest_on(tmp_path, """\
        import pytest

        @pytest.mark.requirement("END-ORR-01")
        def test_known():
            pass

        @pytest.mark.requirement("END-ORR-1")
        def test_typo():
            pass

        @pytest.mark.requirement()
        def test_no_id():
            pass
    """)
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert "\ntest_cites.py::test_typo: @pytest.mark.requirement names 'END-ORR-1', which no " \
           "document in docs/spec/ defines" in output
    assert "\ntest_cites.py::test_no_id: @pytest.mark.requirement takes one or more" in output
    assert "test_known" not in output.split("Unknown requirement ids")[1]
    assert "passed" not in output


def test_tests_citing_defined_ids_run_and_carry_them_into_the_junit_xml(tmp_path):
    result = run_pytest_on(tmp_path, """\
        import pytest

        pytestmark = pytest.mark.requirement("CON-REP-02")

        @pytest.mark.requirement("END-ORR-01", "END-PROP-01")
        def test_known():
            pass
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    run = t.read_junit(tmp_path / "junit.xml")
    [(key, ids)] = run.ids_by_test.items()
    assert key == "test_cites::test_known"
    assert sorted(ids) == ["CON-REP-02", "END-ORR-01", "END-PROP-01"]

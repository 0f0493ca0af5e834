"""Labs that draw the IEC-HS picture (`safety.iec_hs_labs`): hand-worked cases, then one
through the data review (`endpoints.review.data_review`, via the recompute)."""

from datetime import date, timedelta

import pytest

from endpoints.snapshots import recompute
from safety.iec_hs_labs import LabValue, iec_hs_signals
from tests import factories

DAY0 = date(2024, 3, 12)
FERRITIN_ULN = 300.0  # µg/L


def _lab(day, test, value, low=None, high=None):
    return LabValue(1, "RD-001", test, DAY0 + timedelta(days=day), value, low, high)


def _ferritin(day, value):
    return _lab(day, "ferritin", value, high=FERRITIN_ULN)


# (case, labs, IEC-HS AE spans, expected [(day, criteria)])
CASES = [
    ("ferritin 3×ULN on day 10, ALT 6×ULN on day 8: flagged",
     [_ferritin(10, 900), _lab(8, "alt", 240, high=40)], [],
     [(10, ("ALT > 5 × ULN",))]),
    ("the same, an IEC-HS AE open from day 9: not flagged",
     [_ferritin(10, 900), _lab(8, "alt", 240, high=40)], [(DAY0 + timedelta(days=9), None)],
     []),
    ("the same, the IEC-HS AE resolved on day 9: flagged",
     [_ferritin(10, 900), _lab(8, "alt", 240, high=40)],
     [(DAY0 + timedelta(days=5), DAY0 + timedelta(days=9))], [(10, ("ALT > 5 × ULN",))]),
    ("ferritin 10×ULN alone: not flagged",
     [_ferritin(10, 3000), _lab(10, "alt", 100, high=40)], [], []),
    ("ferritin exactly 2×ULN with fibrinogen 1.0 g/L: not flagged (> 2×ULN needed)",
     [_ferritin(10, 600), _lab(10, "fibrinogen", 1.0, low=2.0)], [], []),
    ("ferritin 4×ULN, fibrinogen 1.2 g/L and platelets 40 (grade 3) on day 12: flagged, both",
     [_ferritin(12, 1200), _lab(12, "fibrinogen", 1.2, low=2.0),
      _lab(12, "platelets", 40, low=150)], [],
     [(12, ("fibrinogen < 1.5 g/L", "platelets grade ≥ 3"))]),
    ("bilirubin 2×ULN 8 days after the ferritin: outside the window, not flagged",
     [_ferritin(10, 900), _lab(18, "bilirubin", 42, high=21)], [], []),
    ("bilirubin 2×ULN 7 days after the ferritin: flagged",
     [_ferritin(10, 900), _lab(17, "bilirubin", 42, high=21)], [],
     [(10, ("bilirubin > 1.5 × ULN",))]),
    ("labs on day 0 and before are not read",
     [_ferritin(0, 900), _lab(-1, "ast", 300, high=40)], [], []),
    ("high ferritin on days 10 and 14 with ANC 0.3 on day 12: one episode, dated day 10",
     [_ferritin(10, 900), _ferritin(14, 1500), _lab(12, "anc", 0.3, low=1.8)], [],
     [(10, ("ANC grade ≥ 3",))]),
    ("a ferritin without ULN cannot be read: not flagged",
     [_lab(10, "ferritin", 5000), _lab(10, "ast", 300, high=40)], [], []),
]


@pytest.mark.parametrize(("labs", "covered", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_iec_hs_signals(labs, covered, expected):
    signals = iec_hs_signals(labs, DAY0, covered)
    assert [((s.on - DAY0).days, s.criteria) for s in signals] == expected


def test_the_worst_ferritin_of_an_episode_is_named():
    signals = iec_hs_signals([_ferritin(10, 900), _ferritin(14, 1500),
                              _lab(12, "anc", 0.3, low=1.8)], DAY0, [])
    assert signals[0].ferritin_x_uln == 5.0


def test_a_patient_not_infused_has_no_signal():
    assert iec_hs_signals([_ferritin(10, 900), _lab(8, "alt", 240, high=40)], None, []) == []


@pytest.mark.django_db
def test_the_data_review_lists_the_picture_until_an_iec_hs_ae_is_recorded(infused_patient):
    # given ferritin 3×ULN and ALT 6×ULN on day 5 (2024-03-17), no IEC-HS AE
    factories.lab_result(infused_patient, day=5, test="ferritin", value=900, ref_high=300)
    factories.lab_result(infused_patient, day=5, test="alt", value=240, ref_high=40)
    cutoff = date(2024, 4, 30)
    found = [f for f in recompute(cutoff).review["findings"]
             if f["rule"] == "iec_hs_labs_not_recorded"]
    assert [(f["subject_id"], f["date"], f["derived"]) for f in found] == [
        (infused_patient.subject_id, "2024-03-17", "ferritin > 2 × ULN; ALT > 5 × ULN")]
    assert found[0]["message"] == (
        "ferritin 3.0 × ULN on 2024-03-17 with ALT > 5 × ULN within 7 days: the IEC-HS picture "
        "(ASTCT 2023), and no IEC-HS adverse event recorded over it")
    # when the investigator records the IEC-HS AE from that day, then the finding goes
    factories.adverse_event(infused_patient, term="Immune effector cell-associated HLH-like "
                            "syndrome", grade=2, onset_date=date(2024, 3, 17),
                            relatedness="probable")
    assert [f for f in recompute(cutoff).review["findings"]
            if f["rule"] == "iec_hs_labs_not_recorded"] == []

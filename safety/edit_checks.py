"""Edit checks of the adverse-event, secondary-malignancy and RCL-test forms. Declared once here
(`core.edit_checks`); listed in docs/edit-checks.md."""

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.edit_checks import first_infusion_date, outside_window
from patients.edit_checks import before_consent
from patients.schedule import RCL_TESTS
from safety.models import AdverseEvent, RclTest, Relatedness, SecondaryMalignancy

_RCL_WINDOWS = {w.key: w for w in RCL_TESTS}


def _before_consent(event, records):
    message = before_consent(event.onset_date, records.patient, "the onset")
    if message:
        message += "; an event that began before consent is medical history unless it worsened"
    return message


def _definite_before_infusion(event, records):
    if event.relatedness != Relatedness.DEFINITE or event.onset_date is None:
        return None
    day0 = first_infusion_date(records)
    if day0 is None or event.onset_date >= day0:
        return None
    return (f"an event that began on {event.onset_date}, before the first infusion on {day0}, "
            "cannot be definitely related to RD13-02")


def _t_cell_not_tested(malignancy, records):
    if malignancy.malignancy_type != SecondaryMalignancy.Type.T_CELL or malignancy.sample_sent:
        return None
    return ("a T-cell malignancy after CAR-T cell therapy with no sample sent for CAR-transgene "
            "testing: the FDA's 2024 class warning asks that it be tested (confirm with the "
            "reason it was not, e.g. no tissue left)")


def _rcl_outside_window(test, records):
    window = _RCL_WINDOWS.get(test.timepoint)
    if window is None:
        return None
    message = outside_window(window, test.sample_date, records,
                             f"the {test.timepoint} RCL test, sampled")
    return message and f"{message}: a testing-window deviation"


BEFORE_CONSENT = EditCheck("EC-AE-01", SOFT, "onset_date", "Adverse event before consent",
                           _before_consent)
DEFINITE_BEFORE_INFUSION = EditCheck(
    "EC-AE-02", HARD, "relatedness", "Definitely related event before the infusion",
    _definite_before_infusion)


T_CELL_NOT_TESTED = EditCheck(
    "EC-SM-01", SOFT, "sample_sent", "T-cell malignancy not tested for the CAR transgene",
    _t_cell_not_tested)
RCL_OUTSIDE_WINDOW = EditCheck("EC-RCL-01", SOFT, "sample_date", "RCL test outside its window",
                               _rcl_outside_window)


def declare_checks():
    declare(AdverseEvent, BEFORE_CONSENT, DEFINITE_BEFORE_INFUSION)
    declare(SecondaryMalignancy, T_CELL_NOT_TESTED)
    declare(RclTest, RCL_OUTSIDE_WINDOW)

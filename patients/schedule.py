"""The visit schedule: response assessments, PK samples and long-term follow-up visits, their
windows and their status.

Source: the RD13-02 schedule of assessments (docs/spec/clinical-rules.md, "Visit schedule"). Day 0
is the first infusion; study day n is day 0 + n calendar days (no day −1 → day 1 jump), so the
infusion date itself is day 0 and the W4 target, day 28, is four weeks later.

Windows (days either side of the target, inclusive):
- Response visits, as the protocol gives them: W4 28 ± 7, W8 56 ± 7, W12 84 ± 7, M6 182 ± 14,
  M9 273 ± 14, M12 365 ± 14.
- PK samples, by nominal day; the protocol names the days, these windows are this module's
  choice: day 0 (pre-infusion) and day 1 ± 0, because expansion starts at once and a day-0 sample
  taken after infusion is no longer a baseline; days 4–14 ± 1; days 21 and 28 ± 2; from day 56 on
  the response-visit windows, since those samples are drawn at the W8, W12, M6 and M12 visits.
- Replication-competent lentivirus (RCL) tests, this module's choice after the FDA's guidance
  on testing retroviral vector-based gene therapy products for replication-competent retrovirus
  (January 2020): blood tested 3, 6 and 12 months after the product, then yearly for the
  15-year long-term follow-up (the guidance allows archiving rather than testing the yearly
  samples once the first year was negative; each yearly sample is still recorded here):
  M3 91 ± 14, M6 182 ± 14, M12 365 ± 30, then Y2 … Y15 on each anniversary ± 30.
- Long-term follow-up (LTFU) visits Y2 … Y15: after the one-year efficacy period (M12), a reduced
  form once a year up to 15 years after the infusion, as the FDA asks of products made with an
  integrating vector (FDA, "Long Term Follow-Up After Administration of Human Gene Therapy
  Products", January 2020: 15 years for integrating vectors; RD13-02 is a lentiviral CAR-T). The
  protocol's schedule (CLIN-VIS-02) ends at M12 and says nothing of them: the targets and the
  windows are this module's choice. Year n is day 365 × n (no leap-day correction: 15 years
  drift by less than 4 days, well inside the window); the window is ± 60 days, as wide as a
  yearly contact by telephone or letter needs and far from the neighbouring years.

Status, as REDCap's and Rave's calendars show it on the `as_of` date:
- done: a date is recorded (in or out of the window; `out_of_window` tells which). With several
  dates, the one inside the window closest to the target counts, else the closest overall.
- not_expected: not done, and the patient's end (death or off study) came before the window
  closed: no deviation is owed for a visit the patient could not complete.
- upcoming: the window has not opened.
- due: today is inside the window.
- late: the window has closed but the visit can still be done (out of window) until the next
  visit's window opens; for the last visit of a schedule, for as many days as its plus window.
- missed: past that point, not done. A late or missed visit is a protocol deviation.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES = ("upcoming", "due", "done", "late", "missed", "not_expected")
# Visit codes of `efficacy.models.Visit` that have no window relative to the infusion.
UNWINDOWED_VISITS = frozenset({"SCREENING", "UNSCHEDULED"})


@dataclass(frozen=True)
class Window:
    key: str | int  # a visit code, or a PK nominal day
    target_day: int
    minus_days: int
    plus_days: int

    @property
    def low_day(self) -> int:
        return self.target_day - self.minus_days

    @property
    def high_day(self) -> int:
        return self.target_day + self.plus_days

    def contains(self, day: int) -> bool:
        return self.low_day <= day <= self.high_day


RESPONSE_VISITS = (
    Window("W4", 28, 7, 7), Window("W8", 56, 7, 7), Window("W12", 84, 7, 7),
    Window("M6", 182, 14, 14), Window("M9", 273, 14, 14), Window("M12", 365, 14, 14),
)
PK_SAMPLES = (
    Window(0, 0, 0, 0), Window(1, 1, 0, 0),
    Window(4, 4, 1, 1), Window(7, 7, 1, 1), Window(10, 10, 1, 1), Window(14, 14, 1, 1),
    Window(21, 21, 2, 2), Window(28, 28, 2, 2),
    Window(56, 56, 7, 7), Window(84, 84, 7, 7), Window(182, 182, 14, 14),
    Window(365, 365, 14, 14),
)
RCL_TESTS = (
    Window("M3", 91, 14, 14), Window("M6", 182, 14, 14), Window("M12", 365, 30, 30),
    *(Window(f"Y{year}", 365 * year, 30, 30) for year in range(2, 16)),
)
LTFU_FIRST_YEAR, LTFU_LAST_YEAR, LTFU_WINDOW_DAYS = 2, 15, 60
LTFU_VISITS = tuple(Window(f"Y{year}", 365 * year, LTFU_WINDOW_DAYS, LTFU_WINDOW_DAYS)
                    for year in range(LTFU_FIRST_YEAR, LTFU_LAST_YEAR + 1))
LTFU_VISIT_CODES = tuple(w.key for w in LTFU_VISITS)
PK_NOMINAL_DAYS = tuple(w.key for w in PK_SAMPLES)
_VISITS_BY_CODE = {w.key: w for w in RESPONSE_VISITS}
_PK_BY_DAY = {w.key: w for w in PK_SAMPLES}


@dataclass(frozen=True)
class VisitStatus:
    visit: str | int  # the visit code, or the PK nominal day
    target_day: int
    window_low_day: int
    window_high_day: int
    due_from: date
    due_to: date
    status: str  # one of STATUSES
    done_date: date | None
    out_of_window: bool  # the done date lies outside the window (False when not done)


def study_day(day0: date, on: date) -> int:
    """Days since the first infusion (day 0)."""
    return (on - day0).days


def out_of_window(visit: str, day: int) -> bool:
    """Whether a response visit held on study `day` is outside its window (a deviation).

    SCREENING and UNSCHEDULED have no window and are never out of it.
    """
    if visit in UNWINDOWED_VISITS:
        return False
    if visit not in _VISITS_BY_CODE:
        raise ValueError(f"visit: {visit!r} is not one of {', '.join(_VISITS_BY_CODE)}, "
                         f"{', '.join(sorted(UNWINDOWED_VISITS))}")
    return not _VISITS_BY_CODE[visit].contains(day)


def pk_out_of_window(nominal_day: int, day: int) -> bool:
    """Whether a PK sample for `nominal_day` collected on study `day` is outside its window."""
    if nominal_day not in _PK_BY_DAY:
        raise ValueError(f"nominal_day: {nominal_day} is not a scheduled PK day "
                         f"({', '.join(map(str, PK_NOMINAL_DAYS))})")
    return not _PK_BY_DAY[nominal_day].contains(day)


def _statuses(schedule: tuple[Window, ...], day0: date, as_of: date,
              done: Mapping[str | int, Iterable[date]], end_date: date | None
              ) -> list[VisitStatus]:
    result = []
    for index, window in enumerate(schedule):
        due_from = day0 + timedelta(days=window.low_day)
        due_to = day0 + timedelta(days=window.high_day)
        if index + 1 < len(schedule):
            missed_from = day0 + timedelta(days=schedule[index + 1].low_day)
        else:
            missed_from = due_to + timedelta(days=window.plus_days + 1)
        dates = list(done.get(window.key, ()))
        done_date = min(dates, key=lambda d: (not window.contains(study_day(day0, d)),
                                              abs(study_day(day0, d) - window.target_day), d),
                        default=None)
        if done_date is not None:
            status = "done"
        elif end_date is not None and end_date < due_to:
            status = "not_expected"
        elif as_of < due_from:
            status = "upcoming"
        elif as_of <= due_to:
            status = "due"
        elif as_of < missed_from:
            status = "late"
        else:
            status = "missed"
        result.append(VisitStatus(
            visit=window.key, target_day=window.target_day, window_low_day=window.low_day,
            window_high_day=window.high_day, due_from=due_from, due_to=due_to, status=status,
            done_date=done_date,
            out_of_window=done_date is not None
            and not window.contains(study_day(day0, done_date))))
    return result


def visit_statuses(day0: date, as_of: date, done: Mapping[str, Iterable[date]],
                   end_date: date | None = None) -> list[VisitStatus]:
    """The status of each response visit W4 … M12 on `as_of` (see the module docstring).

    `done` maps a visit code to the dates of its assessments; `end_date` is death or going off
    study, after which later visits are not expected.
    """
    return _statuses(RESPONSE_VISITS, day0, as_of, done, end_date)


def pk_statuses(day0: date, as_of: date, done: Mapping[int, Iterable[date]],
                end_date: date | None = None) -> list[VisitStatus]:
    """The status of each scheduled PK sample on `as_of`, keyed by nominal day."""
    return _statuses(PK_SAMPLES, day0, as_of, done, end_date)


def rcl_statuses(day0: date, as_of: date, done: Mapping[str, Iterable[date]],
                 end_date: date | None = None) -> list[VisitStatus]:
    """The status of each RCL test timepoint M3 … Y15 on `as_of`."""
    return _statuses(RCL_TESTS, day0, as_of, done, end_date)


def ltfu_statuses(day0: date, as_of: date, done: Mapping[str, Iterable[date]],
                  end_date: date | None = None) -> list[VisitStatus]:
    """The status of each long-term follow-up visit Y2 … Y15 on `as_of`, keyed by visit code
    (`done`: visit code → dates of its LTFU forms)."""
    return _statuses(LTFU_VISITS, day0, as_of, done, end_date)

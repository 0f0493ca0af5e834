"""What every SDTM domain shares: USUBJID, --SEQ, ISO 8601 --DTC values, study days and EPOCH.
Pure.

Study day (SDTMIG v3.4 §4.4.4): day 1 is the reference start date RFSTDTC, here the date of the
first RD13-02 infusion; the day before it is day −1, and there is no day 0. So a date on or after
RFSTDTC is (date − RFSTDTC) + 1 and a date before it (date − RFSTDTC). (The protocol's own clock,
where the infusion day is day 0, stays in the EDC's pages and the endpoint report.)

EPOCH (SDTMIG v3.4 §4.1.3.1, CDISC CT codelist EPOCH) of an event or finding, from its date:
SCREENING before the first study treatment (the lymphodepletion's first day, or the first
infusion when no lymphodepletion is recorded); TREATMENT from that day to the end of the
treatment period; FOLLOW-UP after it. The treatment period ends on the later of the last
infusion and the end of the DLT window (the protocol's day `dlt_window_days` after the first
infusion, day 28 by default); for a patient conditioned but never infused, on the last day of
the lymphodepletion. A patient who received no study treatment is in SCREENING throughout. A
record without a date has no EPOCH.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from exports.sdtm_variables import DATASETS, Dataset


def sdtm_study_day(on: date | None, reference: date | None) -> int | None:
    """SDTM --DY of `on` with day 1 = `reference` (module docstring); None if either is unknown.
    Not the protocol's day (`patients.schedule.study_day`, day 0 = the first infusion)."""
    if on is None or reference is None:
        return None
    days = (on - reference).days
    return days + 1 if days >= 0 else days


def dtc(value: date | datetime | None, time_zone: tzinfo, at: time | None = None) -> str | None:
    """ISO 8601 for a --DTC variable: YYYY-MM-DD, or YYYY-MM-DDThh:mm (a date with `at`, or an
    aware datetime shown in the study's time zone, without the offset, as SDTM writes times)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(time_zone).strftime("%Y-%m-%dT%H:%M")
    if at is not None:
        return f"{value.isoformat()}T{at.strftime('%H:%M')}"
    return value.isoformat()


def local_date(value: datetime, time_zone: tzinfo) -> date:
    return value.astimezone(time_zone).date()


def number_text(value: float | int) -> str:
    """A number as --ORRES text: integers without ".0", others in shortest round-trip form."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Subject:
    usubjid: str
    first_infusion_date: date | None  # RFSTDTC, day 1
    first_infusion_dtc: str | None  # with the time when recorded
    treatment_start: date | None = None  # the first study treatment (RFXSTDTC's date)
    treatment_end: date | None = None  # the last day of the treatment period (EPOCH)

    def epoch(self, on: date | None) -> str | None:
        """EPOCH of a record dated `on` (module docstring)."""
        if on is None:
            return None
        if self.treatment_start is None or on < self.treatment_start:
            return "SCREENING"
        if self.treatment_end is None or on <= self.treatment_end:
            return "TREATMENT"
        return "FOLLOW-UP"


class DomainRows:
    """Rows of one domain as they are added, each with STUDYID, DOMAIN, USUBJID and --SEQ (1, 2, …
    within the subject, in the order added)."""

    def __init__(self, name: str, study_id: str):
        self.name, self.study_id = name, study_id
        self.label, self.variables = DATASETS[name]
        self.rows: list[dict] = []
        self._seq: Counter[str] = Counter()

    def add(self, subject: Subject, **values) -> int:
        """Add a record; its --SEQ."""
        self._seq[subject.usubjid] += 1
        seq = self._seq[subject.usubjid]
        self.rows.append({"STUDYID": self.study_id, "DOMAIN": self.name,
                          "USUBJID": subject.usubjid, f"{self.name}SEQ": seq, **values})
        return seq

    def dataset(self) -> Dataset:
        return to_dataset(self.name, self.rows)


def qualifier(domain: str, study_id: str, subject: Subject, seq: int, qnam: str, qlabel: str,
              qval: str, qorig: str, qeval: str | None = None) -> dict:
    """A SUPP-- row: one qualifier of the record `seq` of `domain`."""
    return {"STUDYID": study_id, "RDOMAIN": domain, "USUBJID": subject.usubjid,
            "IDVAR": f"{domain}SEQ", "IDVARVAL": str(seq), "QNAM": qnam, "QLABEL": qlabel,
            "QVAL": qval, "QORIG": qorig, "QEVAL": qeval}


def to_dataset(name: str, rows: list[dict]) -> Dataset:
    """The rows as a Dataset in the domain's variable order; an unknown variable is a bug."""
    label, variables = DATASETS[name]
    names = [v.name for v in variables]
    for row in rows:
        unknown = set(row) - set(names)
        if unknown:
            raise ValueError(f"{name}: variables {sorted(unknown)} are not in the domain")
    return Dataset(name, label, variables, tuple(tuple(row.get(n) for n in names) for row in rows))

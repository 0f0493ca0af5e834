"""The endpoint report (docs/spec/contract.md §4): every block but `snapshot`, which the caller
adds.

`build_report(trial, cutoff)` applies the cutoff once (`TrialData.as_of`) and assembles the
blocks from the pure endpoint modules: `endpoints.efficacy` (populations, ORR, MRD-ORR, HSCT, DOR,
EFS, OS and the HSCT-censored variants), `endpoints.dlt` (DLT table and escalation) and,
here, the PK block over `pk.nca`. Numbers are plain Python ints and floats, unrounded: rates are
fractions, times days. Its cost is linear in the number of records.

Pharmacokinetics (docs/spec/endpoints.md, "Pharmacokinetics"): analyte `car_copies_per_ug_gdna` in
peripheral blood under `pk`, and the same parameters for `car_t_cells_per_uL` under `pk_cells`
(an extra key: the contract's keys are all there, unchanged). A patient is listed when infused
with at least one quantifiable sample; `dose_level` is the level of their first infusion.

Conventions where the spec is silent:
- A sample's time is counted from the start of the FIRST infusion (day 0), as the spec's days are.
  With the infusion time recorded, it is (collected_at − infusion date and time) in fractional
  days. The CRF stores a time of day without a zone; it is read as UTC, the project's TIME_ZONE
  unless set otherwise, and in its own zone when the loader attaches one (a site that sets
  TIME_ZONE should pass `time(..., tzinfo=ZoneInfo(TIME_ZONE))`: Django reads naive values
  entered in forms in that zone). Without the time, the collection date (UTC) minus the infusion
  date, in whole days.
- Only peripheral-blood samples; bone marrow and CSF are other compartments.
- `below_lloq` is the qPCR's flag. For flow counts a missing value is a missing sample and a
  reported 0 is below the limit, as PKNCA reads a zero (`pk.nca`).
- `by_dose_level` has a row for every defined dose level in rank order, as `dlt` does (n 0 and
  nulls where nobody has a quantifiable sample), with `pk.nca.summarize`'s extra keys (ranges,
  `auc_0_28_n`, `auc_0_28_geocv_pct`).

Pure: imports nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from endpoints.dlt import dlt_report
from endpoints.efficacy import efficacy_report, populations
from endpoints.trial_data import InfusionData, PatientData, PkSampleData, TrialAsOf, TrialData
from patients.schedule import study_day
from pk.nca import NcaResult, PkPoint, nca_of_curves, summarize

COPIES = "car_copies_per_ug_gdna"
CELLS = "car_t_cells_per_uL"
PERIPHERAL_BLOOD = "peripheral_blood"
SECONDS_PER_DAY = 86_400.0


def build_report(trial: TrialData, cutoff: date) -> dict:
    """The endpoint report of docs/spec/contract.md §4 at `cutoff`, all keys but "snapshot"."""
    at_cutoff = trial.as_of(cutoff)
    return {
        "cutoff": cutoff.isoformat(),
        "populations": populations(at_cutoff),
        "dlt": dlt_report(at_cutoff),
        **efficacy_report(at_cutoff),
        **dict(zip(("pk", "pk_cells"), pk_reports(at_cutoff, (COPIES, CELLS)), strict=True)),
    }


def infusion_started_at(infusion: InfusionData) -> datetime | None:
    """The infusion's start as an aware datetime (module docstring); None without a time."""
    if infusion.time is None:
        return None
    started_at = datetime.combine(infusion.date, infusion.time)
    return started_at if started_at.tzinfo is not None else started_at.replace(tzinfo=UTC)


def sample_time_days(sample: PkSampleData, infusion: InfusionData) -> float:
    """Days from the start of `infusion` to the sample (module docstring for the clock)."""
    return _days_after(sample, infusion.date, infusion_started_at(infusion))


def _blood_samples(patient: PatientData) -> list[tuple[float, PkSampleData]]:
    """(days since the first infusion, sample) of the patient's peripheral-blood samples."""
    day0 = patient.infusions[0].date
    started_at = infusion_started_at(patient.infusions[0])
    return [(_days_after(sample, day0, started_at), sample) for sample in patient.pk_samples
            if sample.matrix == PERIPHERAL_BLOOD]


def _points(samples: list[tuple[float, PkSampleData]], analyte: str) -> list[PkPoint]:
    points = []
    for days, sample in samples:
        if analyte == COPIES:
            value, below_lloq = sample.car_copies_per_ug_gdna, sample.below_lloq
        else:
            value, below_lloq = sample.car_t_cells_per_uL, False
        # A sample without this analyte (and not BLQ for it) is missing: nca would drop it too.
        if value is not None or below_lloq:
            points.append(PkPoint(days, value, below_lloq))
    return points


def pk_points(patient: PatientData, analyte: str) -> list[PkPoint]:
    """The patient's peripheral-blood samples of `analyte` as `pk.nca` points, from day 0."""
    return _points(_blood_samples(patient), analyte)


def pk_report(trial: TrialAsOf, analyte: str) -> dict:
    """The report's PK block for one analyte: per-patient parameters and per-level summaries."""
    return pk_reports(trial, (analyte,))[0]


def pk_reports(trial: TrialAsOf, analytes: tuple[str, ...]) -> list[dict]:
    """`pk_report` of each analyte, each sample's time worked out once for all of them."""
    blood = BloodSamples.of(trial.infused)
    reports = []
    for analyte in analytes:
        patients = []
        results = {level.code: [] for level in trial.study.dose_levels}
        for patient, result in zip(blood.patients, blood.nca(analyte), strict=True):
            if result is None:
                continue
            dose_level = patient.infusions[0].dose_level_code
            patients.append({
                "subject_id": patient.subject_id, "dose_level": dose_level,
                "cmax": result.cmax, "tmax": result.tmax, "auc_0_28": result.auc_0_28,
                "auc_0_28_partial": result.auc_0_28_partial,
                "tlast": result.tlast, "clast": result.clast,
            })
            results[dose_level].append(result)
        reports.append({
            "analyte": analyte,
            "patients": patients,
            "by_dose_level": [{"dose_level": code, **summarize(by_level)}
                              for code, by_level in results.items()],
        })
    return reports


@dataclass(frozen=True)
class BloodSamples:
    """The peripheral-blood samples of infused patients as columns, each with its time in days
    since the patient's first infusion: `pk.nca.nca_of_curves`'s input, a curve per patient."""

    patients: tuple[PatientData, ...]
    curve: list[int]  # index of the sample's patient in `patients`
    time_days: list[float]
    samples: list[PkSampleData]

    @classmethod
    def of(cls, patients: tuple[PatientData, ...]) -> BloodSamples:
        curve, time_days, samples = [], [], []
        for index, patient in enumerate(patients):
            if not patient.pk_samples:
                continue
            blood = _blood_samples(patient)
            curve += [index] * len(blood)
            time_days += [days for days, _sample in blood]
            samples += [sample for _days, sample in blood]
        return cls(patients, curve, time_days, samples)

    def nca(self, analyte: str) -> list[NcaResult | None]:
        """Each patient's parameters for `analyte`, in `patients` order."""
        if analyte == COPIES:
            values = [sample.car_copies_per_ug_gdna for sample in self.samples]
            below_lloq = [sample.below_lloq for sample in self.samples]
        else:  # flow counts carry no BLQ flag: a reported 0 is below the limit (pk.nca)
            values = [sample.car_t_cells_per_uL for sample in self.samples]
            below_lloq = [False] * len(self.samples)
        return nca_of_curves(self.curve, self.time_days, values, below_lloq,
                             curves=len(self.patients))


def _days_after(sample: PkSampleData, day0: date, started_at: datetime | None) -> float:
    if started_at is None:
        return float(study_day(day0, sample.collected_on))
    return (sample.collected_at - started_at).total_seconds() / SECONDS_PER_DAY

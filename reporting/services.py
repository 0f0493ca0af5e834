"""The report page's data: the snapshot's endpoint report and data review, and the trial at the
cutoff for the patient-level plots.

The report's numbers come from the latest snapshot for the cutoff (`trial_edc.reports`), served
stale when the data changed since, with a recompute scheduled, as the API serves them. The
swimmer plot and the PK curves need each patient's record, which a snapshot does not keep: they
are drawn from the trial as it stands (`load_trial`, a fixed number of queries) cut at the same
cutoff. A stale snapshot is labelled as such on the page and in the PDF.
"""

from dataclasses import dataclass
from datetime import date

from trial_edc.reports import data_review_report, endpoint_report, load_trial
from trial_edc.trial_data import TrialAsOf

from .plots import report_figure


@dataclass(frozen=True)
class ReportData:
    cutoff: date
    report: dict  # contract §4, with its snapshot block
    review: dict  # contract §5
    trial: TrialAsOf

    def figure(self, name: str):
        return report_figure(name, self.report, self.trial)


def report_data(cutoff: date) -> ReportData:
    """Everything the report page, its plots and its PDF show at `cutoff`."""
    report = endpoint_report(cutoff, recompute_if_stale=False)
    review = data_review_report(cutoff, recompute_if_stale=False)
    return ReportData(cutoff=cutoff, report=report, review=review,
                      trial=load_trial().as_of(cutoff))

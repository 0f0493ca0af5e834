"""What each notification says. A message names the subject ID and nothing else of the patient:
no CTCAE term, no narrative, no question or answer text, no staff names, no dates of birth (the
EDC keeps none), so an e-mail read by the wrong eye, or the sponsor's safety mailbox, learns no
more than the pseudonymous code. The words are fixed text and coded values (a grade, a rule, a
visit code, a deadline); the reader signs in to the EDC for the record itself."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings

STAMP = "%Y-%m-%d %H:%M UTC"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def sae_deadline(*, site_aware_at: datetime | None, onset_date, hours: int) -> datetime:
    """When an SAE must have reached the sponsor: `hours` after the site became aware, or after
    the start of the onset day when awareness is not recorded (as the data review counts it)."""
    aware = site_aware_at or datetime.combine(onset_date, time.min, tzinfo=UTC)
    return aware + timedelta(hours=hours)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP)


def _message(protocol: str, subject: str, *lines: str) -> Message:
    footer = ["", "Sign in to the EDC to see the record"
              + (f": {settings.EDC_BASE_URL}" if settings.EDC_BASE_URL else "."),
              "This message names the subject ID only; it carries no other patient data.",
              f"Sent by the {protocol} EDC."]
    return Message(f"[{protocol}] {subject}"[:200], "\n".join([*lines, *footer]) + "\n")


def sae_entered(*, protocol: str, subject_id: str, grade: int, deadline: datetime,
                hours: int) -> Message:
    return _message(
        protocol, f"SAE entered for subject {subject_id}: report by {_utc(deadline)}",
        f"A serious adverse event (CTCAE grade {grade}) was entered for subject {subject_id}.",
        f"It must reach the sponsor's safety contact within {hours} hours of the site becoming "
        f"aware of it: by {_utc(deadline)}.")


def sae_clock(*, protocol: str, subject_id: str, deadline: datetime, overdue: bool) -> Message:
    if overdue:
        return _message(
            protocol, f"SAE for subject {subject_id} not reported: deadline passed",
            f"A serious adverse event of subject {subject_id} has not been recorded as reported "
            f"to the sponsor, and its reporting deadline, {_utc(deadline)}, has passed.",
            "Report it now and record when it was reported.")
    return _message(
        protocol, f"SAE for subject {subject_id}: report by {_utc(deadline)}",
        f"A serious adverse event of subject {subject_id} has not yet been recorded as reported "
        f"to the sponsor. Its reporting deadline is {_utc(deadline)}.")


def dlt_candidate(*, protocol: str, subject_id: str, rule: str, grade: int) -> Message:
    return _message(
        protocol, f"DLT candidate for subject {subject_id} (rule {rule})",
        f"The protocol's DLT rules raised a candidate under rule {rule} for an adverse event "
        f"(grade {grade}) of subject {subject_id}.",
        "An investigator's adjudication is needed on the DLT review page.")


def query_raised(*, protocol: str, subject_id: str, number: int, form: str, field: str,
                 reopened: bool) -> Message:
    about = f"{form}, field {field}" if field else form
    verb = "re-opened" if reopened else "raised"
    return _message(
        protocol, f"Data query #{number} {verb} for subject {subject_id}",
        f"A monitor {verb} data query #{number} on the {about} of subject {subject_id}.",
        "Please answer it in the EDC.")


def query_answered(*, protocol: str, subject_id: str, number: int) -> Message:
    return _message(
        protocol, f"Data query #{number} answered for subject {subject_id}",
        f"The site answered data query #{number} of subject {subject_id}.",
        "Please review the answer, and close or re-open the query.")


def visit_overdue(*, protocol: str, subject_id: str, visit: str, due_to,
                  what: str = "response visit", record: str = "assessment") -> Message:
    """A scheduled visit overdue: a response visit, an RCL test or a long-term follow-up visit
    (`what`), each done by recording its `record`."""
    noun = "Visit" if what == "response visit" else what[:1].upper() + what[1:]
    return _message(
        protocol, f"{noun} {visit} of subject {subject_id} is overdue",
        f"The {visit} {what} of subject {subject_id} has no {record} recorded, and its "
        f"window closed on {due_to:%Y-%m-%d}.",
        f"Record the {record}, or the reason it was not done (a protocol deviation).")

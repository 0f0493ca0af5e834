"""Every route of the URL configuration, with its path parameters filled from a small demo
trial, so that the security tests follow the routes the project has rather than a list."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.accounts import user_api_token
from core.audit import record_save, record_void
from dosing.models import ProductLot
from endpoints.data_cuts import data_cut_freeze
from endpoints.models import DataCut
from endpoints.snapshots import recompute
from exchange.demo_trial import GVHD, demo_bundle
from exchange.services import bundle_import_json
from labs.models import TEST_UNITS, LabResult
from monitoring.models import ProtocolDeviation
from monitoring.services import query_raise
from patients.models import DiseaseAtScreening, EligibilityAssessment
from safety.models import AdverseEvent, DltCandidate, RclTest
from tests import factories

ADMIN_MODEL = re.compile(r"admin/(\w+)/(\w+)/")
# <conv:name>, (?P<name>…), and the admin history's unnamed ([^/]+) (object id, history id).
# Identifying details of the kind a careless free-text entry holds.
FREE_TEXT = "seen at home by Jane Roe"
ANONYMOUS = "anonymous"
ROLES = ("admin", "coordinator", "investigator", "monitor", "sponsor")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)|(\(\[\^/\]\+\))")


@dataclass(frozen=True)
class Route:
    pattern: str  # the route as declared, e.g. "patients/<str:subject_id>/"
    name: str | None  # namespaced URL name, None for the admin's unnamed routes
    model: type | None = None  # the model a DRF viewset lists, if any

    @property
    def parameters(self) -> list[str]:
        return [a or b or "unnamed" for a, b, _ in PARAMETER.findall(self.pattern)]

    def __str__(self):
        return f"{self.name or '(unnamed)'} {self.pattern}"


def all_routes(patterns=None, prefix="", namespace="") -> list[Route]:
    """Every URL pattern of the project, nested includes followed."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            found += all_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "cls", None)
            queryset = getattr(view, "queryset", None)
            # The API's listings name their model (their queryset is built per request).
            model = queryset.model if queryset is not None else getattr(view, "model", None)
            found.append(Route(prefix + str(entry.pattern),
                               namespace + entry.name if entry.name else None, model))
    return found


def admin_model(route: Route):
    """The model of an admin route such as admin/patients/patient/<path:object_id>/."""
    found = ADMIN_MODEL.match(route.pattern)
    if found is None:
        return None
    try:
        model = apps.get_model(*found.groups())
    except LookupError:  # admin/password_change/ and the like
        return None
    return model if admin.site.is_registered(model) else None


@dataclass
class DemoTrial:
    subject_id: str
    adverse_event: AdverseEvent
    query_pk: int

    def url(self, route: Route) -> str:
        """The route with each path parameter filled by a real object of the demo trial."""
        values = {
            "subject_id": self.subject_id,
            # An adverse event's page; beside an adverse event's pk, a sub-form it lacks.
            "slug": "gvhd" if "adverse_event_pk" in route.parameters else "adverse-event",
            "adverse_event_pk": self.adverse_event.pk,
            # A record's pk beside its slug; alone (monitoring's /queries/<pk>/…), a query's.
            "pk": self.adverse_event.pk if "slug" in route.parameters else self.query_pk,
            "app_label": "patients",
            "url": "no-such-page/",
            "content_type_id": "0",
            "object_id": "0",
            "format": "json",  # DRF's format suffixes
            "name": "km-dor",  # a plot of the report pages
            "kind": "lot",  # the product's master data: a lot's pages
            "record_pk": ProductLot.objects.order_by("pk").first().pk,
            # 0 (a 404) where the walked trial holds no deviation
            "deviation_pk": ProtocolDeviation.objects.order_by("pk").values_list(
                "pk", flat=True).first() or 0,
            "cut_pk": DataCut.objects.order_by("pk").values_list("pk", flat=True).first() or 0,
        }
        if route.model is not None and "pk" in route.parameters:  # an API listing's row
            # a trial without a row of this listing asks for one that does not exist (404)
            first = route.model._default_manager.order_by("pk").first()
            values["pk"] = first.pk if first else 0
        unnamed = iter(())
        model = admin_model(route)
        if model is not None:  # the admin's pages of one row: its first row
            first = _first_row(model)
            assert first is not None, f"the demo trial has no {model._meta.label} row"
            values["object_id"] = values["id"] = first.pk
            history = getattr(model, "history", None)
            unnamed = iter([first.pk, history and history.filter(id=first.pk)[0].history_id])

        def value(match) -> str:
            if match.group(3):
                return str(next(unnamed))
            name = match.group(1) or match.group(2)
            if name not in values:
                raise LookupError(f"{route}: give the path parameter {name!r} a value from the "
                                  f"demo trial in {__name__}.DemoTrial.url")
            return str(values[name])

        path = PARAMETER.sub(value, route.pattern)
        # What is left of a regular expression: anchors, escaped dots, optional slashes.
        return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def _first_row(model):
    rows = model._default_manager.order_by("pk")
    if model is get_user_model():
        # A person's account: the EDC's own system account is nobody's to change.
        rows = rows.exclude(username=settings.SYSTEM_USERNAME)
    return rows.first()


def cart_safety_events(patient, on):
    """An infection, IEC-HS, a secondary malignancy and an RCL test, dated within the patient's
    adverse events (so before any death)."""
    factories.infection_details(factories.adverse_event(
        patient, term="Lung infection", grade=2, onset_date=on, relatedness="possible"),
        organism=FREE_TEXT)
    factories.iec_hs_details(factories.adverse_event(
        patient, term="Immune effector cell-associated HLH-like syndrome", grade=2,
        onset_date=on, relatedness="possible"))
    factories.secondary_malignancy(patient, on)
    replace_imported(RclTest, patient)  # one test per timepoint: the bundle's M3 goes
    factories.rcl_test(patient, "M3", on=on)
def replace_imported(model, patient):
    """Void the bundle's own records of a form the walk adds its own one of, where a patient has
    one (eligibility, disease at screening, an RCL timepoint), so that the walk's is the
    patient's."""
    for record in model.objects.filter(patient=patient):
        record_void(record, by=factories.user(), reason="replaced by the walk's own record")


def eligibility(patient):
    replace_imported(EligibilityAssessment, patient)
    return factories.eligibility(patient)


def baseline(patient):
    """One record of each baseline form, free text in each text field (the bundle's own
    disease at screening replaced)."""
    consent = patient.consent_date
    factories.medical_history(patient, condition=f"asthma ({FREE_TEXT})")
    factories.prior_therapy(patient, regimen=f"hyper-CVAD ({FREE_TEXT})")
    replace_imported(DiseaseAtScreening, patient)
    factories.disease_at_screening(patient, em_other=f"orbit ({FREE_TEXT})")
    factories.bridging_therapy(patient, start=consent, end=consent,
                               regimen=f"dexamethasone ({FREE_TEXT})")
    factories.vital_signs(patient, at=datetime.combine(consent, time(9), tzinfo=UTC))
def lab_result_on(patient, on):
    """An ANC count of the patient's on that day (the admin lists laboratory results)."""
    return factories.save(LabResult(
        patient=patient, collected_at=datetime.combine(on, time(7, 30), tzinfo=UTC), test="anc",
        value=3.0, unit=TEST_UNITS["anc"], ref_low=1.8, ref_high=7.5))


def long_term_follow_up():
    """A patient infused in 2024 with a year-2 follow-up visit and a protocol deviation."""
    patient = factories.patient("RD-990")
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    factories.ltfu_visit(patient, "Y2")
    factories.deviation(patient)


def demo_trial() -> DemoTrial:
    """A few synthetic patients through the real import, the DLT rules and the endpoints, so
    that every model the admin lists holds a row."""
    bundle_import_json(demo_bundle(10, seed=3))
    recompute()
    candidate = DltCandidate.objects.select_related("adverse_event__patient").first()
    adverse_event = candidate.adverse_event
    # Few trials this small have GVHD.
    patient = adverse_event.patient
    eligibility(patient)
    baseline(patient)
    factories.gvhd_details(factories.adverse_event(
        patient, term=GVHD, grade=1, onset_date=adverse_event.onset_date, relatedness="possible",
        narrative=FREE_TEXT))
    # A medication given for the event, its free texts ("Other, specify", the indication)
    # among those a sponsor must never receive.
    factories.conmed(patient, drug="other", drug_specify=f"ruxolitinib, {FREE_TEXT}", dose=5,
                     dose_unit="mg", start=adverse_event.onset_date, indication=FREE_TEXT,
                     treated_event=adverse_event)
    cart_safety_events(patient, adverse_event.onset_date)
    lab_result_on(patient, adverse_event.onset_date)
    # Free text of every kind a sponsor must never receive: narrative, reason, query.
    adverse_event.narrative = FREE_TEXT
    record_save(adverse_event, by=factories.user("coordinator"), reason=f"told by {FREE_TEXT}")
    monitor = factories.user("monitor")
    query = query_raise(record=adverse_event, patient=adverse_event.patient, field_name="grade",
                        question=f"Please confirm the grade ({FREE_TEXT}).", by=monitor)
    factories.product_lot(released_for=patient)  # a donor and a lot for their pages
    long_term_follow_up()
    # A frozen data cut (its report pages), its reason free text a sponsor must not receive.
    data_cut_freeze(name="SRC meeting 2", reason=f"asked by {FREE_TEXT}", cutoff=None,
                    by=monitor, password="a-long-test-passphrase")
    user_api_token(factories.user("sponsor"))
    attempt = dict(user_agent="test", ip_address="10.0.0.1", username="nobody",
                   http_accept="*/*", path_info="/accounts/login/")
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    return DemoTrial(adverse_event.patient.subject_id, adverse_event, query.pk)


def client_for(users: dict, column: str, **options) -> Client:
    """A test client signed in as `users[column]`, or anonymous."""
    client = Client(**options)
    if column != ANONYMOUS:
        client.force_login(users[column])
    return client

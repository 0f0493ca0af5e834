"""A small trial with one record of every kind, and API clients in each role."""

from datetime import date

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.accounts import user_api_token
from tests import factories

ROLES = ("sponsor", "monitor", "investigator", "admin", "coordinator")


def token_client(role: str | None) -> APIClient:
    client = APIClient()
    if role:
        client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user(role))}")
    return client


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # The throttle counts requests in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_role(db):
    return token_client


@pytest.fixture
def trial(db):
    """RD-001 infused at DL1 with a record of every kind (free text in each text field);
    RD-002 infused at DL2 with a grade 4 event; RD-003 screened only."""
    one = factories.patient("RD-001", off_study_date=date(2025, 2, 1),
                            off_study_reason="moved abroad, lives with aunt Maria")
    factories.lymphodepletion(one)
    factories.infusion(one, product_lot="L-0042")
    ae = factories.adverse_event(one, narrative="Fever at home, wife called the ward")
    factories.adjudication(ae, "confirmed")
    factories.response(one)
    factories.disease_event(one, on=date(2024, 9, 1), site="marrow, seen at St Mary's")
    factories.hsct(one, on=date(2024, 6, 1))
    factories.pk_sample(one, day=7)
    factories.pk_sample(one, day=14, value=None)
    factories.lab_result(one, day=7, test="platelets", value=40, ref_low=150, ref_high=400)
    factories.death(one, on=date(2025, 1, 10))
    factories.medical_history(one, condition="Asthma, seen by Dr Okafor")
    factories.prior_therapy(one, regimen="hyper-CVAD at Leeds General")
    factories.disease_at_screening(one, em_other="orbit, per Mrs Smith")
    factories.bridging_therapy(one, regimen="dexamethasone from the neighbour's GP")
    factories.vital_signs(one)
    two = factories.patient("RD-002", age_at_consent=9, sex="F")
    factories.lymphodepletion(two)
    factories.infusion(two, level=factories.dose_level("DL2", total_cells=4e8))
    factories.adverse_event(two, term="Neutrophil count decreased", grade=4,
                            onset_date=date(2024, 3, 20))
    factories.response(two, visit="W4", response="CRi")
    factories.patient("RD-003")
    return {"RD-001": one, "RD-002": two}

"""schemathesis calls every operation of the API's OpenAPI document with generated
parameters (valid and invalid ones) against the Django app in the test's database, and
checks each answer: never a 5xx, a status code the document lists, the content type and a
body that matches the document's schema. On SQLite and PostgreSQL alike (CI runs the suite
on both)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

# Per operation and generation mode: keeps the whole test well under a minute.
MAX_EXAMPLES = 20

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db, site_tree, settings):
    """The document served by the app, with a little of everything to answer with."""
    settings.API_RATE_IP = "100000/60"  # the rate limits have their own tests
    settings.API_RATE_TOKEN = "100000/60"
    institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    factories.LabFactory(institution=institution)
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, institution=institution)
    factories.SessionFactory(activity=activity, taken=2)
    factories.ExpertFactory(services=("consulting",), fields=("automotive",))
    # The WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# schemathesis's pytest integration (``from_fixture``) does not run under pytest 9: each
# operation's strategy is driven by hypothesis here instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(api_schema, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @hypothesis_settings(max_examples=MAX_EXAMPLES, database=None)
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code < 500

        call()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_staff_operations_answer_as_documented_with_a_token(api_schema, superuser, mode):
    """The staff routes again, now past the token check (above they all answer 401): a
    superuser's token with every scope."""
    from api.services import api_token_create

    secret = api_token_create(
        user=superuser,
        by=superuser,
        name="schemathesis",
        scopes=[
            "stats:read",
            "registrations:read",
            "consultations:read",
            "labvisits:read",
            "checkin:write",
        ],
    )[1]
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [
        result.ok()
        for result in api_schema.get_all_operations()
        if result.ok().path.startswith("/api/v1/staff/")
    ]
    assert len(operations) >= 7
    seen: set[int] = set()
    for operation in operations:

        @hypothesis_settings(max_examples=MAX_EXAMPLES, database=None)
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            case.headers = {**(case.headers or {}), **headers}
            response = case.call_and_validate(checks=CHECKS)
            assert response.status_code < 500
            assert response.status_code != 401, response.text
            seen.add(response.status_code)

        call()
    if mode == GenerationMode.POSITIVE:
        assert 200 in seen  # the token works: answers with data were checked too

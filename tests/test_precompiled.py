"""Querysets compiled once and run with new values give what the ORM gives."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from events.models import Registration, Session, SessionState
from events.selectors import with_cancellation
from portal.precompiled import Precompiled
from tests import factories


@pytest.fixture
def sessions(site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    first = factories.SessionFactory(activity=activity, capacity=10, max_party_size=4)
    second = factories.SessionFactory(activity=activity, capacity=5, max_party_size=4)
    factories.RegistrationFactory(session=first, party_size=3)
    factories.RegistrationFactory(session=first, party_size=2, status=Registration.Status.CANCELLED)
    SessionState.objects.update_or_create(session=second, defaults={"cancelled_at": timezone.now()})
    return first, second


COUNTS = Precompiled(
    lambda session_id: with_cancellation(
        Session.objects.filter(pk=session_id).with_places()
    ).values_list("places_taken", "session_cancelled_at", "starts_at"),
    session_id=int,
)
SESSION = Precompiled(
    lambda session_id: with_cancellation(Session.objects.filter(pk=session_id)),
    session_id=int,
)


def orm_counts(session_id):
    return list(
        with_cancellation(Session.objects.filter(pk=session_id).with_places()).values_list(
            "places_taken", "session_cancelled_at", "starts_at"
        )
    )


def test_rows_are_the_orms_converted_values_for_each_new_value(sessions):
    first, second = sessions

    for session in (first, second, first):
        assert [tuple(row) for row in COUNTS.rows(session_id=session.pk)] == orm_counts(session.pk)
    ((taken, cancelled_at, starts_at),) = COUNTS.rows(session_id=second.pk)
    assert taken == 0
    assert isinstance(cancelled_at, datetime.datetime) and cancelled_at.tzinfo is not None
    assert starts_at == second.starts_at
    assert COUNTS.rows(session_id=10**9) == []


def test_first_is_the_orms_instance_with_its_annotations(sessions):
    first, second = sessions

    loaded = SESSION.first(session_id=second.pk)
    orm = with_cancellation(Session.objects.filter(pk=second.pk)).get()
    assert loaded == orm
    assert loaded.__dict__.keys() - {"_state"} == orm.__dict__.keys() - {"_state"}
    for name in ("starts_at", "capacity", "activity_id", "session_cancelled_at"):
        assert getattr(loaded, name) == getattr(orm, name)
    assert SESSION.first(session_id=first.pk).session_cancelled_at is None
    assert SESSION.first(session_id=10**9) is None
    loaded.capacity = 7
    loaded.save(update_fields=["capacity"])  # a real instance, saved as any other
    assert Session.objects.get(pk=second.pk).capacity == 7


def test_compiled_once_then_only_run(sessions):
    first, second = sessions
    query = Precompiled(lambda pk: Session.objects.filter(pk=pk).values_list("pk"), pk=int)

    compiled = []
    as_sql = SQLCompiler.as_sql

    def counted(compiler, *args, **kwargs):
        compiled.append(compiler)
        return as_sql(compiler, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counted):
        assert [tuple(row) for row in query.rows(pk=first.pk)] == [(first.pk,)]
        assert [tuple(row) for row in query.rows(pk=second.pk)] == [(second.pk,)]
    assert len(compiled) == 1


def test_string_parameters_are_bound_as_values_never_as_sql(sessions):
    first, _ = sessions
    registration = Registration.objects.filter(session=first).first()
    by_phone = Precompiled(
        lambda phone: Registration.objects.filter(phone=phone).values_list("pk"), phone=str
    )

    assert [tuple(row) for row in by_phone.rows(phone=registration.phone)] == [(registration.pk,)]
    assert by_phone.rows(phone="' OR '1'='1") == []


def test_misuse_is_refused(sessions):
    first, _ = sessions
    dropped = Precompiled(lambda pk: Session.objects.values_list("pk"), pk=int)
    with pytest.raises(ValueError, match="does not reach the SQL"):
        dropped.rows(pk=first.pk)
    related = Precompiled(
        lambda pk: Session.objects.select_related("activity").filter(pk=pk), pk=int
    )
    with pytest.raises(ValueError, match="does not follow relations"):
        related.first(pk=first.pk)
    with pytest.raises(TypeError, match="must be int"):
        SESSION.first(session_id=str(first.pk))
    with pytest.raises(TypeError, match="expected the parameters"):
        SESSION.first(pk=first.pk)
    with pytest.raises(TypeError, match="int or a str"):
        Precompiled(lambda when: Session.objects.filter(starts_at=when), when=datetime.datetime)

"""Ratings: one per service, given once; low ones followed up by staff; the one request.

``rating_submit`` is called by the rating page (a signed link) and by the pages of the
kinds that show the form themselves (a consultation's page). Error codes
(``RatingError``): ``not_allowed`` (this person may not rate it, or not yet),
``invalid_level``, ``already_rated``.

``rating_asks_send`` is the periodic sweep: every thing that ended in the last
``RATING_ASK_WINDOW_DAYS`` and was not asked about gets one ``RatingAsk`` row and its
messages (in-site notice and e-mail for a user, else e-mail, else a text message), all
written in one transaction; the row's unique constraint keeps two sweeps from asking twice.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inbox.services import notify
from portal.errors import DomainError
from portal.mail import email_render
from ratings.kinds import Asked, RateableKind, UnknownKindError, kind_for, kinds
from ratings.links import rating_path
from ratings.models import LOW_LEVELS, Level, Rating, RatingAsk
from reminders.services import text_write

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

HANDLE_PERMISSION = "ratings.change_rating"


class RatingError(DomainError):
    """A rating rule refused the request. ``code``: ``invalid_level``, ``not_allowed``,
    ``already_rated``, ``forbidden``."""


def _kind(name: str) -> RateableKind:
    try:
        return kind_for(name)
    except UnknownKindError:
        raise RatingError(_("This cannot be rated."), code="not_allowed") from None


def rating_refusal(
    *,
    kind: str,
    object_id: int,
    user: AbstractBaseUser | AnonymousUser | None = None,
    by_link: bool = False,
    now: datetime.datetime | None = None,
) -> RatingError | None:
    """Why the rating of ``kind`` ``object_id`` cannot be given now, or None. The holder of
    a rating link may rate; without one, only the person the kind names (``may_rate``)."""
    now = now or timezone.now()
    rateable = _kind(kind)
    obj = rateable.get(object_id)
    if obj is None:
        return RatingError(_("This cannot be rated."), code="not_allowed")
    if not by_link and (
        user is None or not user.is_authenticated or not rateable.may_rate(obj, user=user)
    ):
        return RatingError(_("You cannot rate this."), code="not_allowed")
    if not rateable.rateable(obj, now=now):
        return RatingError(_("You can rate this once it has taken place."), code="not_allowed")
    if Rating.objects.filter(kind=kind, object_id=object_id).exists():
        return RatingError(_("This has already been rated. Thank you."), code="already_rated")
    return None


def rating_submit(
    *,
    kind: str,
    object_id: int,
    level: int,
    comment: str = "",
    by: AbstractBaseUser | AnonymousUser | None = None,
    by_link: bool = False,
    now: datetime.datetime | None = None,
) -> Rating:
    """Rate ``kind`` ``object_id`` once, on the five levels (5 very satisfied ... 1 very
    dissatisfied), with an optional comment. A low rating is flagged and every member of
    staff who follows ratings up gets a notice in the same transaction.
    Codes: ``invalid_level``, ``not_allowed``, ``already_rated``."""
    now = now or timezone.now()
    if isinstance(level, bool) or level not in Level.values:
        raise RatingError(_("Choose one of the five levels."), code="invalid_level")
    refusal = rating_refusal(kind=kind, object_id=object_id, user=by, by_link=by_link, now=now)
    if refusal is not None:
        raise refusal
    rateable = kind_for(kind)
    obj = rateable.get(object_id)
    assert obj is not None  # rating_refusal answered not_allowed otherwise
    rater = by if by is not None and by.is_authenticated else None
    try:
        with transaction.atomic():
            # Two submissions at once: the unique constraint lets only the first one in.
            rating = Rating.objects.create(
                kind=kind,
                object_id=object_id,
                level=level,
                comment=(comment or "").strip()[:2000],
                rater=rater,  # type: ignore[misc]
                institution_id=rateable.institution_id(obj),
                expert_id=rateable.expert_id(obj),
                flagged=level in LOW_LEVELS,
            )
            if rating.flagged:
                _tell_staff(rating=rating, title=rateable.title(obj))
    except IntegrityError:
        raise RatingError(
            _("This has already been rated. Thank you."), code="already_rated"
        ) from None
    return rating


def _staff_to_tell():
    """Active users who follow low ratings up (``ratings.change_rating``)."""
    permission = Permission.objects.filter(
        content_type__app_label="ratings", codename="change_rating"
    ).first()
    condition = Q(is_superuser=True)
    if permission is not None:
        condition |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    return get_user_model().objects.filter(condition, is_active=True).distinct().order_by("pk")


def _tell_staff(*, rating: Rating, title: str) -> None:
    for user in _staff_to_tell():
        notify(
            user=user,
            template="rating_low",
            context={"rating": rating, "title": title, "level": rating.get_level_display()},
            url="/cms-admin/ratings/ratings/?flagged=true",
        )


def rating_mark_handled(*, rating_id: int, by: User, now: datetime.datetime | None = None) -> bool:
    """Staff record that a low rating was followed up; False when it was not flagged or was
    handled already. Code ``forbidden`` without ``ratings.change_rating``."""
    if not by.has_perm(HANDLE_PERMISSION):
        raise RatingError(_("You may not follow ratings up."), code="forbidden")
    now = now or timezone.now()
    # Conditional update: two members of staff at once, the first one is recorded.
    return bool(
        Rating.objects.filter(pk=rating_id, flagged=True, handled_at__isnull=True).update(
            handled_by=by, handled_at=now
        )
    )


# --- The request to rate ---------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _ask_one(*, rateable: RateableKind, obj, person: Asked) -> bool:
    """Write the messages asking ``person``; False when there is no address."""
    path = rating_path(kind=rateable.kind, object_id=obj.pk, language=person.language)
    with translation.override(person.language):
        title = rateable.title(obj)
        context = {"title": title, "link": _absolute(path)}
        if person.user is not None and person.user.is_active:
            notify(user=person.user, template="rating_ask", context=context, url=path)
            return True
        if person.email:
            rendered = email_render(
                template="rating_ask", context={**context, "site_url": settings.SITE_URL}
            )
            message = EmailMultiAlternatives(
                subject=rendered.subject, body=rendered.text, to=[person.email]
            )
            if rendered.html:
                message.attach_alternative(rendered.html, "text/html")
            message.send()
            return True
    if person.phone:
        text_write(
            phone=person.phone,
            template="rating_ask",
            params={"title": title[:20], "link": context["link"]},
            language=person.language,
        )
        return True
    return False


def rating_ask(*, kind: str, object_id: int) -> RatingAsk | None:
    """Ask for the rating of ``kind`` ``object_id`` once: None when it was asked already,
    rated already or is gone."""
    rateable = kind_for(kind)
    if Rating.objects.filter(kind=kind, object_id=object_id).exists():
        return None
    try:
        with transaction.atomic():
            # The unique row first: a second sweep stops here, before writing any message.
            ask = RatingAsk.objects.create(kind=kind, object_id=object_id)
            obj = rateable.get(object_id)
            if obj is None:
                return ask
            ask.messages = sum(
                _ask_one(rateable=rateable, obj=obj, person=person)
                for person in rateable.asked(obj)
            )
            ask.save(update_fields=["messages"])
            return ask
    except IntegrityError:
        return None


def rating_asks_send(*, now: datetime.datetime | None = None) -> int:
    """Ask once for the rating of everything that ended within the window and was not asked
    about yet; returns how many were asked."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=getattr(settings, "RATING_ASK_WINDOW_DAYS", 7))
    count = 0
    for rateable in kinds():
        things = list(rateable.ended(since=since, until=now))
        done = set(
            RatingAsk.objects.filter(
                kind=rateable.kind, object_id__in=[t.pk for t in things]
            ).values_list("object_id", flat=True)
        ) | set(
            Rating.objects.filter(
                kind=rateable.kind, object_id__in=[t.pk for t in things]
            ).values_list("object_id", flat=True)
        )
        for thing in things:
            if thing.pk in done:
                continue
            if rating_ask(kind=rateable.kind, object_id=thing.pk) is not None:
                count += 1
    return count

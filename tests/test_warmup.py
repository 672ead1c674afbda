"""Each web worker does Django's and Celery's lazy set-up before its first visitor."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path
from unittest import mock

import pytest
from django.template import engines

from portal import warmup

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_every_step_runs_and_the_portals_templates_are_compiled():
    cached_loader = engines["django"].engine.template_loaders[0]
    cached_loader.reset()

    outcome = warmup.warm_up()

    assert set(outcome) == {name for name, _step in warmup.STEPS}
    assert int(outcome.pop("templates")) > 50
    assert set(outcome.values()) == {"ok"}
    compiled = set(cached_loader.get_template_cache)
    assert "events/registration/register.html" in compiled
    # Only the portal's own templates: the admin's are left to its first use.
    assert not any(name.startswith("wagtailadmin/") for name in compiled)


def test_a_failing_step_leaves_that_part_cold_and_the_worker_starts(caplog):
    broken = [("celery", mock.Mock(side_effect=ConnectionError("broker down")))]
    with (
        mock.patch.object(warmup, "STEPS", (*warmup.STEPS[:1], *broken)),
        caplog.at_level(logging.WARNING, logger="portal.warmup"),
    ):
        outcome = warmup.warm_up()

    assert outcome == {"urls": "ok", "celery": "ConnectionError"}
    assert "warm-up step celery failed: ConnectionError" in caplog.text


@pytest.mark.parametrize("config", ["portal/gunicorn_production.py", "portal/gunicorn_run.py"])
def test_both_gunicorn_configurations_warm_their_workers_up(config):
    hook = runpy.run_path(str(REPO / config))["post_worker_init"]
    with mock.patch("portal.warmup.warm_up") as warm_up:
        hook(worker=mock.Mock())
    warm_up.assert_called_once_with()

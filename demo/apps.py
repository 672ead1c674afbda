from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo content (``manage.py seed_demo``): on top of every other app, no models."""

    name = "demo"
    verbose_name = "Demo"

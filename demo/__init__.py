"""Demo content for ``manage.py seed_demo``: data modules and the builder."""

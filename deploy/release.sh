#!/bin/sh
# The release step, on every machine after its code was updated (deploy/systemd/
# portal-release.service runs it as the portal user, with /etc/portal/portal.env):
#
#   1. check the settings: `manage.py check --deploy` fails on the development defaults
#      (per-process cache, file-system broker) and on any other error;
#   2. compile the translations (Babel: no system gettext needed);
#   3. collect the static files into STATIC_ROOT, with hashed names and compressed copies,
#      for nginx;
#   4. apply the database migrations, on ONE machine per release: set PORTAL_MIGRATE=0 in
#      the environment file of every other machine (two runs at once can collide).
#
# The Python environment is the project's .venv (`make install`: the lock, with hashes);
# PORTAL_VENV names another one.
set -eu
cd "$(dirname "$0")/.."
venv="${PORTAL_VENV:-.venv}"

"$venv/bin/python" manage.py check --deploy --fail-level ERROR
"$venv/bin/pybabel" compile --domain django --directory locale
"$venv/bin/python" manage.py collectstatic --no-input --verbosity 0
if [ "${PORTAL_MIGRATE:-1}" = 1 ]; then
    "$venv/bin/python" manage.py migrate --no-input
fi

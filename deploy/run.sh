#!/usr/bin/env bash
# `make run`'s processes: the Celery worker (with its embedded beat) and the web server
# (gunicorn), stopped in order on Ctrl-C or SIGTERM.
#
# Why not `trap 'kill 0' EXIT INT TERM` (what the Makefile did before): `kill 0` signals
# the whole process group, the shell included, so the trap fired again and again until
# bash overflowed its stack ("make: *** ... Segmentation fault"); every Celery process
# (pool children and beat too) got SIGINT from the terminal and then SIGTERM over and over
# ("Warm shutdown" many times, "ForkPoolWorker exited with signal 15"), and make returned
# while the worker was still shutting down.
#
# Here each server runs in a process group of its own (`set -m`), so a Ctrl-C at the
# terminal reaches only make and this script; the script sends one SIGTERM to each
# server's main process (gunicorn first, so no new work arrives, then the worker, which
# stops beat and its pool itself) and waits for both before it exits.
#
# Usage: deploy/run.sh BIN_DIR HOST:PORT   (environment: PORTAL_VAR_DIR, SITE_URL)
set -u
set -m

bin=${1:?bin directory}
bind=${2:?HOST:PORT}
var_dir=${PORTAL_VAR_DIR:-var}
mkdir -p "$var_dir"

"$bin/celery" -A portal worker --beat --queues=default,mail,reports \
    --loglevel=INFO --concurrency=2 \
    --schedule="$var_dir/celerybeat-schedule" &
worker=$!
"$bin/gunicorn" portal.wsgi --config portal/gunicorn_run.py --bind "$bind" &
web=$!

stopping=0
stop() {
    # Once only: a second Ctrl-C must not turn the worker's warm shutdown into a cold one.
    if [ "$stopping" = 1 ]; then
        return
    fi
    stopping=1
    kill -TERM "$web" 2>/dev/null
    wait "$web" 2>/dev/null
    kill -TERM "$worker" 2>/dev/null
    wait "$worker" 2>/dev/null
}
trap stop INT TERM HUP

# Until one of them ends (or a signal arrives and the trap has run), then stop the other.
wait -n "$worker" "$web"
stop

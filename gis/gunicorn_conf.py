"""Gunicorn's configuration for production (docker/Dockerfile: `gunicorn -c python:gis.gunicorn_conf
gis.wsgi`): the access log on standard output, without tokens or join codes
(gis.access_log.RedactingLogger). Options given on the command line override these."""

import os

bind = os.environ.get("TRYGG_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("TRYGG_WORKERS", "3"))
timeout = int(os.environ.get("TRYGG_WORKER_TIMEOUT", "60"))
# The master imports the application once and forks the workers from it: a restart answers its
# first request sooner (the workers do not each import Django and Trygg on two shared cores),
# and the workers share those pages. Booting opens no database connection (tests/core/
# test_lazy_boot.py), so no socket is shared across the fork. The price: `kill -HUP` does not
# load new code; deploy with a restart. The analysis libraries are imported on first use, in
# each worker. TRYGG_PRELOAD=0 turns it off.
preload_app = os.environ.get("TRYGG_PRELOAD", "1") != "0"
accesslog = "-"
logger_class = "gis.access_log.RedactingLogger"

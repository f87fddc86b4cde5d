"""Gunicorn's configuration for production (docker/Dockerfile: `gunicorn -c python:gis.gunicorn_conf
gis.wsgi`): the access log on standard output, without tokens or join codes
(gis.access_log.RedactingLogger). Options given on the command line override these."""

import os

bind = os.environ.get("TRYGG_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("TRYGG_WORKERS", "3"))
timeout = int(os.environ.get("TRYGG_WORKER_TIMEOUT", "60"))
accesslog = "-"
logger_class = "gis.access_log.RedactingLogger"

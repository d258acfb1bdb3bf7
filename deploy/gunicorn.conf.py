"""Gunicorn for 绩效通 (docs/deployment.md): `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Behind nginx (deploy/nginx.conf) on the loopback only. Every value can be changed through the
environment of the systemd unit (deploy/jixiaotong.service)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual 2 × cores + 1, at most 9: the pages are database-bound, not CPU-bound.
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "sync"
# An Excel import under EXCEL_ASYNC_THRESHOLD_BYTES and a report zip of at most
# REPORT_ZIP_INLINE_MAX reports run in the request: a minute is plenty; nginx waits as long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests: bounded memory whatever a request leaked.
max_requests = 1000
max_requests_jitter = 100
# Only nginx on this machine may say a request came over HTTPS (X-Forwarded-Proto, read by
# Django when BEHIND_PROXY=1).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Request lines and headers stay small (no huge cookies or URLs).
limit_request_line = 8190
limit_request_fields = 100

"""gunicorn settings of bench/pages.py's server (its flags give the rest): each worker says
when it has loaded the application, by a file in BENCH_BOOTED_DIR, so that no timed request
competes with a worker still importing Django."""

import os
from pathlib import Path


def post_worker_init(worker):
    folder = os.environ.get("BENCH_BOOTED_DIR")
    if folder:
        (Path(folder) / str(worker.pid)).touch()

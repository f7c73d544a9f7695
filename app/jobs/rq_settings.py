"""Settings module for ``rq worker -c app.jobs.rq_settings``.

RQ forks a work horse for every job. Building the app here, in the worker's own process before
any fork, lets every job inherit it instead of building a new one each time (seconds per job).
No database connection is opened here, so none is shared across forks.
"""

import os

from app.jobs.worker import _app

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

_app()

"""Plays counted by outcome and timed, for the metrics (app/metrics.py)."""

import time
from functools import wraps

from flask import g

from app.errors import ApiError
from app.metrics import PLAY_SECONDS, PLAYS
from app.problems import Problem


def counted_play(view):
    """Count a play view's outcome and time it; the view sets g.play_outcome when it answers."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        outcome = "failed"
        try:
            response = view(*args, **kwargs)
            outcome = g.get("play_outcome", "won")
            return response
        except (ApiError, Problem):
            outcome = "refused"
            raise
        finally:
            PLAYS.labels(outcome).inc()
            PLAY_SECONDS.observe(time.perf_counter() - started)

    return wrapper

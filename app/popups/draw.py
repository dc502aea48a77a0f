"""The prize draw: weighted, decided on the server, and honest about caps under concurrency.

A play chooses a prize, and awards it as its last write: see popups.play.
"""

import functools
import random

from sqlalchemy import bindparam, or_, update

from app.extensions import db
from app.models import Prize

_system_random = random.SystemRandom()


def drawable(prizes: list[Prize]) -> list[Prize]:
    """The prizes the next draw chooses among: weighted above zero and not retired by a cap."""
    return [prize for prize in prizes if prize.weight > 0 and not prize.retired]


def odds(prizes: list[Prize]) -> dict[int, float]:
    """Each drawable prize's chance in the next draw (a fraction), by prize id.

    The official rules publish exactly this, so the page and the draw cannot disagree."""
    eligible = drawable(prizes)
    total = sum(prize.weight for prize in eligible)
    return {prize.id: prize.weight / total for prize in eligible}


def choose(prizes: list[Prize], rng: random.Random = _system_random) -> Prize | None:
    """Pick one prize by weight among the drawable ones."""
    eligible = drawable(prizes)
    if not eligible:
        return None
    return rng.choices(eligible, weights=[prize.weight for prize in eligible])[0]


def award(prize: Prize) -> bool:
    """Count one more award, atomically; False when a concurrent play took the last one."""
    awarded = db.session.execute(
        _award_statement(), {"prize": prize.id}, execution_options={"synchronize_session": False}
    ).rowcount
    return awarded == 1


@functools.cache
def _award_statement():
    # Built once: every play that wins runs it.
    return (
        update(Prize)
        .where(
            Prize.id == bindparam("prize"),
            or_(Prize.cap.is_(None), Prize.awarded_count < Prize.cap),
        )
        .values(awarded_count=Prize.awarded_count + 1)
    )

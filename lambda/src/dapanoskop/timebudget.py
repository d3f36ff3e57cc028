"""When a run must stop asking Cost Explorer, so that what it has can still be written.

A Lambda invocation is killed at its timeout (at most 15 minutes) with nothing written that was
not written yet. A backfill of a big account can need more Cost Explorer pages than fit: each
page takes about a second. So a backfill gets a time budget: the time left in the invocation
(the Lambda context's `get_remaining_time_in_millis`, passed in as a function: the clock is a
parameter) minus a reserve for building and writing the months collected so far. Once the
budget is spent no new page is asked for; the months whose data is complete are written and the
answer says how to continue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Building and writing a month of the very large benchmark account (600,000 groups) takes
# ~8 s (bench/RESULTS.md); 13 of them, at a full vCPU, fit in 2 minutes with room.
MIN_RESERVE_SECONDS = 60.0
RESERVE_SHARE = 0.2


@dataclass(frozen=True)
class TimeBudget:
    remaining_seconds: Callable[[], float]
    reserve_seconds: float

    @classmethod
    def of_invocation(cls, remaining_seconds: Callable[[], float]) -> TimeBudget:
        """A budget that keeps a fifth of the invocation's time (at least 60 s) for writing."""
        return cls(remaining_seconds, max(MIN_RESERVE_SECONDS, RESERVE_SHARE * remaining_seconds()))

    def spent(self) -> bool:
        return self.remaining_seconds() < self.reserve_seconds

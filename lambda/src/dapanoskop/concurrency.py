"""A small bounded pool for independent Cost Explorer requests.

Cost Explorer answers a page in about a second; requests that do not depend on each other
(groupings, runs of windows) can wait for their answers at the same time. The pool is small and
bounded (CE_CONCURRENCY, default 3) so that a run never floods Cost Explorer's request rate:
throttling is still retried by botocore with backoff. boto3 clients are thread-safe once created
(boto3 guide, "Multithreading or multiprocessing with clients"); every worker shares the run's one
client, and botocore's default connection pool (10 connections) covers the largest setting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait


def run_bounded[T](calls: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Each call's result, in the order of `calls`, with at most `workers` running at once.

    With one worker (or one call) the calls run one after the other in this thread, exactly as
    without a pool. When a call raises, the calls not started yet are cancelled, the ones
    running are waited for, and the first failure in call order is raised.
    """
    if workers <= 1 or len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="ce") as pool:
        futures = [pool.submit(call) for call in calls]
        wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.done() and not f.cancelled() and f.exception() for f in futures):
            for future in futures:
                future.cancel()
            wait(futures)
            failure = next(
                f.exception() for f in futures if not f.cancelled() and f.exception() is not None
            )
            raise failure  # type: ignore[misc]
        return [future.result() for future in futures]

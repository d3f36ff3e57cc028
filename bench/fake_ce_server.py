"""The local Cost Explorer of one synthetic account, served over HTTP on loopback.

The benchmark runs the pipeline in its own process and points its `ce` client here
(`endpoint_url`), so the pipeline process holds only what the Lambda would hold: its peak RSS
and CPU time are the pipeline's (with botocore's real HTTP handling and parsing), while the
fake's table, its aggregation and its memory stay in this process and are reported apart.

    python fake_ce_server.py --account large --today 2026-11-26 [--page-size 500] [--latency 1]

prints one JSON line when it is ready ({"port": ..., "load_seconds": ..., ...}), then serves:

* POST /            a Cost Explorer JSON 1.1 request (X-Amz-Target), answered by the fake;
* GET  /stats       requests per operation, seconds spent computing answers (the simulated
                    latency not included), the most requests in flight at once, RSS and
                    peak RSS;
* POST /reset-stats zero the counters and the peak RSS (Linux: /proc/self/clear_refs),
                    so each benchmark job gets its own figures;
* POST /latency     {"seconds": S}: the simulated latency from now on (the benchmark
                    prepares a destination without it, then measures with it).

Requests are served on their own threads, so a pipeline that asks several at once is answered
at once. `--latency S` makes every Cost Explorer request take at least S seconds, like a real
round trip: the sleep runs outside the lock, so concurrent requests wait in parallel, while the
fake's own work (its table is not thread-safe) is done one request at a time under the lock.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accounts import ACCOUNTS, first_month, line_items
from memory import peak_rss_mib, reset_peak_rss, rss_mib

from dapanoskop.localce import LocalCostExplorer

TARGET_PREFIX = "AWSInsightsIndexService."
JSON_TYPE = "application/x-amz-json-1.1"
# The pipeline's own client retries; the fake's inner client passes every error straight on.
DEFAULT_PAGE_SIZE: int = inspect.signature(LocalCostExplorer).parameters["page_size"].default
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


class FakeCostExplorer:
    """The fake, its boto3 client and the counters /stats reports."""

    def __init__(
        self, account: str, today: date, page_size: int | None, latency: float = 0.0
    ) -> None:
        started = time.perf_counter()
        self.latency = latency
        self.lock = threading.Lock()
        options = {} if page_size is None else {"page_size": page_size}
        self.local = LocalCostExplorer(line_items(ACCOUNTS[account], today), today, **options)
        self.page_size = page_size or DEFAULT_PAGE_SIZE
        self.client = self.local.client(NO_RETRIES)
        self._warm(today)
        self.load_seconds = time.perf_counter() - started
        self.rss_after_load_mib = rss_mib()
        self.reset()

    def _warm(self, today: date) -> None:
        """One ungrouped request over every month builds the fake's month sums up front."""
        self.client.get_cost_and_usage(
            TimePeriod={"Start": first_month(today).isoformat(), "End": today.isoformat()},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
        )

    def reset(self) -> None:
        self.counts: dict[str, int] = {}
        self.seconds = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        reset_peak_rss()

    def answer(self, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The fake's answer, after the simulated latency; in_flight counts concurrency."""
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            with self.lock:
                started = time.perf_counter()
                try:
                    return self._answer(operation, params)
                finally:
                    self.seconds += time.perf_counter() - started
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.counts[operation] = self.counts.get(operation, 0) + 1
        try:
            answer = getattr(self.client, xform_name(operation))(**params)
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            code = error.response["Error"]["Code"]
            return status, {"__type": code, "Message": error.response["Error"].get("Message", "")}
        answer.pop("ResponseMetadata", None)
        return 200, answer

    def stats(self) -> dict[str, Any]:
        return {
            "requests": dict(sorted(self.counts.items())),
            "seconds": self.seconds,
            "rss_mib": rss_mib(),
            "peak_rss_mib": peak_rss_mib(),
            "rss_after_load_mib": self.rss_after_load_mib,
            "load_seconds": self.load_seconds,
            "page_size": self.page_size,
            "latency_seconds": self.latency,
            "max_in_flight": self.max_in_flight,
        }


def handler_for(fake: FakeCostExplorer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoint
        # Headers and body are two writes: without this, Nagle's algorithm and the client's
        # delayed ACK add ~40 ms to every request.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/reset-stats":
                fake.reset()
                self._send(200, {})
                return
            if self.path == "/latency":
                fake.latency = float(json.loads(body)["seconds"])
                self._send(200, {})
                return
            operation = self.headers.get("X-Amz-Target", "").removeprefix(TARGET_PREFIX)
            status, answer = fake.answer(operation, json.loads(body or b"{}"))
            self._send(status, answer)

        def do_GET(self) -> None:
            self._send(200, fake.stats())

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "bench")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            """Quiet: one line per request would drown the benchmark's output."""

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--account", choices=sorted(ACCOUNTS), required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument(
        "--page-size", type=int, default=None, help="groups per page (default: the fake's)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds each Cost Explorer request takes"
    )
    args = parser.parse_args()
    fake = FakeCostExplorer(args.account, args.today, args.page_size, args.latency)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    ready = {"port": server.server_address[1], **fake.stats()}
    print(json.dumps(ready), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""Prometheus metrics of one worker: updates, handler errors, outbox deliveries, send latency."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """The counters this worker keeps, in a registry of its own (not the library's global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates_handled = Counter(
            "madoguchi_updates_handled",
            "Updates whose handling committed (or needed nothing).",
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "madoguchi_handler_errors",
            "Updates whose handler failed (retried or given up).",
            ["kind"],
            registry=self.registry,
        )
        self.outbox_sent = Counter(
            "madoguchi_outbox_sent",
            "Outbox messages delivered to Telegram.",
            registry=self.registry,
        )
        self.outbox_failures = Counter(
            "madoguchi_outbox_failures",
            "Outbox delivery attempts that did not succeed.",
            ["reason"],
            registry=self.registry,
        )
        self.send_seconds = Histogram(
            "madoguchi_send_seconds",
            "Time Telegram took to accept one outbox message.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "madoguchi_outbox_depth", "Outbox messages not yet delivered.", registry=self.registry
        )
        self.outbox_failed = Gauge(
            "madoguchi_outbox_failed", "Outbox messages given up on.", registry=self.registry
        )
        self.inbox_depth = Gauge(
            "madoguchi_inbox_depth", "Received updates not yet handled.", registry=self.registry
        )
        self.database_up = Gauge(
            "madoguchi_database_up",
            "1 when the database answered the last check.",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)

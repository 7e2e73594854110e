"""Prometheus metrics, served at ``/metrics``: what the API answers and what the data plane did.

Route labels are path templates (never raw paths or IDs), so label cardinality stays fixed.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "voiceroute_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "voiceroute_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
DATAPLANE_RELOADS = Counter(
    "voiceroute_dataplane_reloads_total",
    "Kamailio table reloads asked for by this process's agent, by table and result.",
    ["table", "result"],
)
DATAPLANE_TABLES_BEHIND = Gauge(
    "voiceroute_dataplane_tables_behind",
    "Kamailio tables whose reload is still pending after the agent's last pass.",
)

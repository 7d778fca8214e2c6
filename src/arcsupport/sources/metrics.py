"""The few API server metrics the rules read, from `kubectl get --raw /metrics`."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from arcsupport.errors import InputError
from arcsupport.snapshot.model import DeprecatedApiRequest, FeatureGateState, MetricsFacts
from arcsupport.untrusted import as_utf8

_WANTED = ("kubernetes_feature_enabled", "apiserver_requested_deprecated_apis")


def parse_metrics(data: bytes, where: str) -> MetricsFacts:
    text = bytes(as_utf8(data, where)).decode("utf-8", errors="replace")
    # An API server exposes thousands of series; parse only the two families used.
    lines = [line for line in text.splitlines() if line.startswith(_WANTED)]
    gates: list[FeatureGateState] = []
    requests: list[DeprecatedApiRequest] = []
    try:
        for family in text_string_to_metric_families("\n".join(lines) + "\n"):
            for sample in family.samples:
                labels = sample.labels
                if sample.name == "kubernetes_feature_enabled":
                    gates.append(
                        FeatureGateState(
                            labels.get("name", ""), labels.get("stage", ""), sample.value == 1
                        )
                    )
                elif sample.name == "apiserver_requested_deprecated_apis" and sample.value:
                    requests.append(
                        DeprecatedApiRequest(
                            labels.get("group", ""),
                            labels.get("version", ""),
                            labels.get("resource", ""),
                            labels.get("removed_release", ""),
                        )
                    )
    except ValueError as exc:
        raise InputError(where, f"malformed Prometheus text: {exc}") from None
    return MetricsFacts(tuple(gates), tuple(requests))

"""The few API server metrics the rules read, from `kubectl get --raw /metrics`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from arcsupport.errors import InputError
from arcsupport.snapshot.model import DeprecatedApiRequest, FeatureGateState, MetricsFacts
from arcsupport.untrusted import as_utf8

_WANTED = ("kubernetes_feature_enabled", "apiserver_requested_deprecated_apis")

# A sample line in the plain form API servers write (`name{label="value",...} 1`): read here.
# prometheus_client's parser reads every other form (quoted names, exemplars, other escapes),
# but importing it costs a short run a tenth of its time (it brings http.server, email, ssl).
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_VALUE = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Inf|NaN)"
_PLAIN_SAMPLE = re.compile(
    rf"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{{((?:{_LABEL})(?:,{_LABEL})*,?)?\}})?"
    rf"[ \t]+({_VALUE})(?:[ \t]+-?\d+)?[ \t]*"
)
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
_ESCAPE = re.compile(r'\\([\\"n])')


def _unescape(value: str) -> str:
    return _ESCAPE.sub(lambda found: "\n" if found[1] == "n" else found[1], value)


Sample = tuple[str, dict[str, str], float]


def _plain_samples(lines: list[str]) -> list[Sample] | None:
    """The samples, if every line is in the plain form; None if one is not."""
    samples: list[Sample] = []
    for line in lines:
        found = _PLAIN_SAMPLE.fullmatch(line)
        if found is None or "__name__" in (found[2] or ""):
            return None
        labels = {pair[1]: _unescape(pair[2]) for pair in _LABEL_PAIR.finditer(found[2] or "")}
        samples.append((found[1], labels, float(found[3])))
    return samples


def _any_samples(lines: list[str]) -> Iterator[Sample]:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families("\n".join(lines) + "\n"):
        for sample in family.samples:
            yield sample.name, sample.labels, sample.value


def parse_metrics(data: bytes, where: str) -> MetricsFacts:
    text = bytes(as_utf8(data, where)).decode("utf-8", errors="replace")
    # An API server exposes thousands of series; parse only the two families used.
    lines = [line for line in text.splitlines() if line.startswith(_WANTED)]
    gates: list[FeatureGateState] = []
    requests: list[DeprecatedApiRequest] = []
    plain = _plain_samples(lines)
    try:
        for name, labels, value in _any_samples(lines) if plain is None else plain:
            if name == "kubernetes_feature_enabled":
                gates.append(
                    FeatureGateState(labels.get("name", ""), labels.get("stage", ""), value == 1)
                )
            elif name == "apiserver_requested_deprecated_apis" and value:
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

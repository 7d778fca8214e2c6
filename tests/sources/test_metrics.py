"""The API server's metrics: the plain sample lines are read without prometheus_client, to
the very samples prometheus_client reads from them; any other form is left to it."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcsupport.errors import InputError
from arcsupport.sources.metrics import _any_samples, _plain_samples, parse_metrics

names = st.sampled_from(["kubernetes_feature_enabled", "apiserver_requested_deprecated_apis"])
label_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: not name.startswith("__")
)
label_values = st.text(alphabet=st.sampled_from('ab.-_ "\\\n한é{},='), max_size=8)
values = st.sampled_from(["0", "1", "1.5", "-2", "+Inf", "-Inf", "NaN", "1e3", ".5", "7."])


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@st.composite
def sample_lines(draw: st.DrawFn) -> str:
    labels = draw(st.dictionaries(label_names, label_values, max_size=4))
    text = ",".join(f'{name}="{escape(value)}"' for name, value in labels.items())
    if labels and draw(st.booleans()):
        text += ","
    braces = f"{{{text}}}" if labels or draw(st.booleans()) else ""
    timestamp = draw(st.sampled_from(["", " 1700000000000", "\t-5"]))
    space = draw(st.sampled_from([" ", "  ", "\t"]))
    return f"{draw(names)}{braces}{space}{draw(values)}{timestamp}"


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(sample_lines(), max_size=5))
def test_plain_lines_read_as_prometheus_client_reads_them(lines: list[str]) -> None:
    plain = _plain_samples(lines)
    assert plain is not None
    expected = list(_any_samples(lines))
    # prometheus_client gives whole numbers as int: the same value (NaN compared as text).
    assert [(n, labels, str(float(v))) for n, labels, v in plain] == [
        (n, labels, str(float(v))) for n, labels, v in expected
    ]


@pytest.mark.parametrize(
    "line",
    [
        'kubernetes_feature_enabled{name="A",stage=""} 1 # {trace_id="x"} 1',
        'kubernetes_feature_enabled{"name"="A"} 1',
        'kubernetes_feature_enabled{name="A\\t"} 1',
        "kubernetes_feature_enabled 1_0",
        'kubernetes_feature_enabled{__name__="x"} 1',
    ],
)
def test_any_other_form_is_left_to_prometheus_client(line: str) -> None:
    assert _plain_samples([line]) is None


def test_a_plain_file_never_imports_prometheus_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client.parser", None)  # importing it fails
    data = b'# HELP x\nkubernetes_feature_enabled{name="WatchList",stage="ALPHA"} 0\n'
    (gate,) = parse_metrics(data, "metrics.txt").feature_gates
    assert (gate.name, gate.stage, gate.enabled) == ("WatchList", "ALPHA", False)


def test_a_malformed_line_is_one_clear_error() -> None:
    with pytest.raises(InputError, match=r"metrics\.txt: malformed Prometheus text"):
        parse_metrics(b'kubernetes_feature_enabled{name="A" 1\n', "metrics.txt")

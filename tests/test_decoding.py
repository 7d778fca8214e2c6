"""Kubernetes Lists read item by item (decoding.decode_list from a stream): the same items as
decoding the whole file at once, whatever the layout, and a bad List named by its item."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from arcsupport.decoding import KubeList, decode_list
from arcsupport.errors import InputError
from arcsupport.snapshot.kube import Node, Pod, Workload
from helpers import DATA, EXAMPLES

# Strings holding what could pass for the boundary between two items, and escapes, braces,
# quotes and text beyond ASCII.
BOUNDARY = '},{"apiVersion":"v1","kind":"Pod","metadata":{'
PIECES = ["{", "}", "[", "]", '"', "\\", ",", ":", "a", "é", "한", "\U0001f600", "\n", "\t"]
tricky = st.lists(st.sampled_from([*PIECES, BOUNDARY, '\\"', "\u2028"]), max_size=8).map("".join)
# Within the length Kubernetes allows a container's name (a pod's is longer: 253).
tricky_label = tricky.map(lambda text: text[:63])


@st.composite
def pods(draw: st.DrawFn, index: int) -> dict[str, Any]:
    containers = [
        {
            "name": draw(tricky_label),
            "image": draw(st.sampled_from(["mcr.microsoft.com/a:1", "nginx", "é/x:2"])),
            "args": draw(st.lists(tricky, max_size=3)),
            "securityContext": draw(st.sampled_from([{}, {"privileged": True}, None])),
            # Objects inside an item that begin as an item does.
            "env": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": draw(tricky)}}],
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"p{index}-{draw(tricky)}"[:253],
            "namespace": draw(st.sampled_from(["default", "kube-system"])),
            "labels": draw(st.dictionaries(tricky, tricky, max_size=3)),
            "annotations": {"note": draw(tricky)},
        },
        "spec": {"containers": containers, "hostNetwork": draw(st.booleans())},
    }
    if draw(st.booleans()):
        del pod["apiVersion"]  # the API server's own Lists leave them out
        del pod["kind"]
    return pod


def layout(draw: st.DrawFn, items: list[bytes], items_first: bool) -> bytes:
    """A List around encoded items, with whitespace of any kind between the tokens."""

    def space() -> bytes:
        return draw(st.sampled_from([b"", b" ", b"\n", b"\r\n    ", b"\t"]))

    array = b"[" + space()
    for position, item in enumerate(items):
        if position:
            array += draw(st.sampled_from([b",", b", ", b",\n        ", b"\n,"]))
        array += space() + item
    array += space() + b"]"
    members = [
        b'"apiVersion"' + space() + b":" + space() + b'"v1"',
        b'"items"' + space() + b":" + space() + array,
        b'"kind":' + space() + b'"PodList"',
        b'"metadata":{"resourceVersion":"1","continue":"},{"}',
    ]
    if items_first:
        members.insert(0, members.pop(1))
    return space() + b"{" + space() + (b"," + space()).join(members) + space() + b"}" + space()


@st.composite
def pod_lists(draw: st.DrawFn) -> tuple[bytes, list[tuple[int, int]]]:
    """A PodList's bytes and the span of each item in them."""
    count = draw(st.integers(0, 40))
    indent = draw(st.sampled_from([None, 2, 4]))
    encoded = [
        json.dumps(draw(pods(index)), indent=indent, ensure_ascii=draw(st.booleans())).encode()
        for index in range(count)
    ]
    text = layout(draw, encoded, items_first=draw(st.booleans()))
    spans = []
    at = 0
    for item in encoded:
        at = text.index(item, at)
        spans.append((at, at + len(item)))
        at += len(item)
    return text, spans


def streamed(data: bytes, item: Any, buffer_bytes: int, kind: str | None = "Pod") -> list[Any]:
    return decode_list(io.BytesIO(data), item, kind, "pods.json", buffer_bytes=buffer_bytes)


def whole(data: bytes, item: Any) -> list[Any]:
    return msgspec.json.decode(data, type=KubeList[item]).items


def named(item: Any, kind: str) -> Any:
    """What decode_list sets on an item without a kind: the List's."""
    if not item.kind:
        item.kind = kind
    return item


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pod_lists(), buffer_bytes=st.sampled_from([64, 100, 333, 4096, 1 << 20]))
def test_a_streamed_list_decodes_to_the_whole_files_items(
    case: tuple[bytes, list[tuple[int, int]]], buffer_bytes: int
) -> None:
    """Any layout, any buffer (down to a fraction of one item): the very items of decoding the
    whole file in one call."""
    data, _ = case
    assert streamed(data, Pod, buffer_bytes) == [named(pod, "Pod") for pod in whole(data, Pod)]


def test_real_lists_stream_to_the_same_items() -> None:
    """Real payloads, each Struct they are read into, managedFields' raw JSON included."""
    lists = sorted(EXAMPLES.glob("*/kubernetes/*.json")) + sorted(DATA.rglob("kubernetes/*.json"))
    types = {"nodes.json": Node, "pods.json": Pod, "deployments.json": Workload}
    cases = [(path, types[path.name]) for path in lists if path.name in types]
    read = 0
    for path, item in cases:
        data = path.read_bytes()
        try:
            expected = whole(data, item)
        except (msgspec.DecodeError, RecursionError):
            continue  # not a List, or one of the fuzz corpus's hostile ones
        for buffer_bytes in (64, 1000, 1 << 20):
            got = decode_list(io.BytesIO(data), item, None, str(path), buffer_bytes=buffer_bytes)
            assert got == expected, path
        read += 1
    assert read >= 20


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pod_lists(), cut=st.floats(0, 1, exclude_max=True), data=st.data())
def test_a_list_cut_short_names_the_item(
    case: tuple[bytes, list[tuple[int, int]]], cut: float, data: st.DataObject
) -> None:
    text, spans = case
    if not spans:
        return
    index = data.draw(st.integers(0, len(spans) - 1))
    start, end = spans[index]
    at = start + 1 + int(cut * (end - start - 1))
    with pytest.raises(InputError) as refused:
        streamed(text[:at], Pod, data.draw(st.sampled_from([64, 4096])))
    message = str(refused.value)
    assert message.startswith("pods.json: truncated JSON")
    assert f"item {index} of the List" in message


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pod_lists(), data=st.data())
@example(case=(b'{"items":[{"a":1},{"a":2},{"a":3}]}', [(10, 17), (18, 25), (26, 33)]), data=None)
def test_a_malformed_item_is_named(
    case: tuple[bytes, list[tuple[int, int]]], data: st.DataObject | None
) -> None:
    text, spans = case
    if not spans:
        return
    index = data.draw(st.integers(0, len(spans) - 1)) if data else 1
    start, _ = spans[index]
    colon = text.index(b'":', start) + 1  # the first key's colon: `{"key"!` is never JSON
    broken = text[:colon] + b"!" + text[colon + 1 :]
    with pytest.raises(InputError) as refused:
        streamed(broken, Pod, data.draw(st.sampled_from([64, 4096])) if data else 64)
    message = str(refused.value)
    assert message.startswith(f"pods.json: malformed JSON in item {index} of the List: ")
    # The byte is counted from the file's start, as msgspec counts it in a whole document.
    with pytest.raises(msgspec.DecodeError) as whole_file:
        whole(broken, Pod)
    assert message.endswith(str(whole_file.value))


def test_an_item_of_the_wrong_shape_is_named_with_its_path() -> None:
    items = [b'{"metadata":{"name":"a"}}'] * 5 + [b'{"metadata":{"labels":{"x":1}}}']
    data = b'{"kind":"PodList","items":[' + b",".join(items) + b"]}"
    with pytest.raises(InputError, match=re.escape("at `$.items[5].metadata.labels[...]`")):
        streamed(data, Pod, 64)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "truncated JSON (the file ends in the middle of a value)"),
        (b"  [1, 2]", "unexpected content: Expected `object`, got `array`"),
        (b'{"items": {}}', "Expected `array`, got `object` - at `$.items`"),
        (b'{"items": [], }', "trailing comma in object"),
        (b'{"items": [{},]}', "trailing comma in array"),
        (b'{"items": []} {}', "trailing characters"),
        (b'{"kind": 3, "items": []}', "Expected `str`, got `int` - at `$.kind`"),
        (b'{"items": [{} {}]}', "after item 0 of the List: JSON is malformed: expected ',' or ']'"),
        (b'{"kind": "Pod", "items": []}', "got a single Pod"),
        (b'{"items": [{"kind": "Node"}]}', "item 0 is a Node, expected a Pod"),
    ],
)
def test_what_a_list_must_be(data: bytes, expected: str) -> None:
    for source in (data, io.BytesIO(data)):
        with pytest.raises(InputError) as refused:
            decode_list(source, Pod, "Pod", "pods.json", buffer_bytes=64)
        assert expected in str(refused.value)


def test_an_item_over_the_limit_is_refused_without_reading_it_whole() -> None:
    big = b'{"metadata":{"name":"p"},"note":"' + b"x" * 10_000 + b'"}'
    data = b'{"items":[{},' + big + b"]}"
    with pytest.raises(InputError, match="item 1 of the List is over 4096 bytes"):
        decode_list(io.BytesIO(data), Pod, "Pod", "pods.json", 4096, buffer_bytes=64)
    assert len(decode_list(io.BytesIO(data), Pod, "Pod", "pods.json", buffer_bytes=64)) == 2


@pytest.mark.parametrize(
    ("item", "path", "limit"),
    [
        ({"metadata": {"name": "n" * 254}}, "$.items[1].metadata.name", 253),
        ({"metadata": {"name": "p", "namespace": "n" * 64}}, "$.items[1].metadata.namespace", 63),
        ({"spec": {"nodeName": "n" * 254}}, "$.items[1].spec.nodeName", 253),
        ({"spec": {"containers": [{"name": "c" * 64}]}}, "$.items[1].spec.containers[0].name", 63),
        (
            {"metadata": {"ownerReferences": [{"kind": "ReplicaSet", "name": "r" * 254}]}},
            "$.items[1].metadata.ownerReferences[0].name",
            253,
        ),
    ],
)
def test_a_name_longer_than_kubernetes_allows_is_refused(
    item: dict[str, Any], path: str, limit: int
) -> None:
    """The API server refuses such names: an item holding one was not written by a cluster,
    and its name would be copied into every report. Refused, from bytes or a stream."""
    data = json.dumps({"items": [{"metadata": {"name": "fine"}}, item]}).encode()
    expected = f"pods.json: {path} is longer than the {limit} characters Kubernetes allows there"
    for source in (data, io.BytesIO(data)):
        with pytest.raises(InputError) as refused:
            decode_list(source, Pod, "Pod", "pods.json", buffer_bytes=64)
        assert str(refused.value) == expected + "; refused"


def test_names_at_the_kubernetes_limits_are_read() -> None:
    item = {
        "metadata": {"name": "n" * 253, "namespace": "s" * 63},
        "spec": {"nodeName": "m" * 253, "containers": [{"name": "c" * 63}]},
    }
    (pod,) = decode_list(json.dumps({"items": [item]}).encode(), Pod, "Pod", "pods.json")
    assert (len(pod.metadata.name), len(pod.spec.containers[0].name)) == (253, 63)


def test_utf16_and_a_bom_are_read_from_a_stream() -> None:
    text = '{"items":[{"metadata":{"name":"한"}}]}'
    for data in (text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        (pod,) = decode_list(io.BytesIO(data), Pod, "Pod", "pods.json")
        assert pod.metadata.name == "한"


def test_a_bundle_folder_streams_its_lists(tmp_path: Path) -> None:
    """A folder's List is read from the file (not its bytes at once) to the same snapshot."""
    from arcsupport.sources.read import read_snapshot

    bundle = tmp_path / "b"
    (bundle / "kubernetes").mkdir(parents=True)
    items = [{"metadata": {"name": f"p{i}", "namespace": "default"}} for i in range(2000)]
    data = json.dumps({"kind": "PodList", "items": items}).encode()
    (bundle / "kubernetes" / "pods.json").write_bytes(data)
    snapshot = read_snapshot(bundle)
    assert [pod.metadata.name for pod in snapshot.pods] == [f"p{i}" for i in range(2000)]
    assert snapshot.pods == [named(pod, "Pod") for pod in whole(data, Pod)]


def test_text_that_is_not_utf8_is_malformed_json() -> None:
    """Passing over a value does not check its UTF-8; decoding it does, and says so."""
    for data in (b'{"\xe1piVersion": "v1", "items": []}', b'{"items": [{"kind": "\x80"}]}'):
        with pytest.raises(InputError) as refused:
            decode_list(io.BytesIO(data), Pod, "Pod", "pods.json", buffer_bytes=64)
        assert "malformed JSON" in str(refused.value)
        assert "Invalid UTF-8" in str(refused.value)

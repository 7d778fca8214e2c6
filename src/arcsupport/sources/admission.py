"""An AdmissionReview's bytes, as the API server POSTs them to a validating webhook, into an
AdmissionRequest: the objects decoded into the snapshot's Node, Workload or Scale by the
resource the request is about. Anything else raises InputError with one line."""

from __future__ import annotations

import msgspec

from arcsupport.decoding import decode_json, explain_msgspec_error
from arcsupport.errors import InputError
from arcsupport.snapshot.admission import (
    ADMISSION_API_VERSION,
    AdmissionRequest,
    AdmittedObject,
    GroupVersionResource,
    ReviewFields,
    Scale,
)
from arcsupport.snapshot.kube import Node, Workload

_WHERE = "AdmissionReview"
_WORKLOAD_RESOURCES = frozenset({"deployments", "daemonsets"})


_ObjectType = type[Node] | type[Workload] | type[Scale]


def _object_type(resource: GroupVersionResource, sub_resource: str) -> _ObjectType | None:
    """What the guard reads the objects of this resource as; None: it needs no body."""
    if resource.group == "" and resource.resource == "nodes":
        return Node
    if resource.group == "apps" and resource.resource in _WORKLOAD_RESOURCES:
        if sub_resource == "scale":
            return Scale
        if sub_resource == "":
            return Workload
    return None


def _decode_object(raw: msgspec.Raw, typ: _ObjectType | None, field: str) -> AdmittedObject:
    if typ is None or not raw or bytes(raw) == b"null":
        return None
    try:
        decoded: AdmittedObject = msgspec.json.decode(raw, type=typ)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise InputError(f"{_WHERE} request.{field}", explain_msgspec_error(exc)) from None
    return decoded


def read_review(body: bytes) -> AdmissionRequest:
    review = decode_json(body, ReviewFields, _WHERE)
    if review.apiVersion != ADMISSION_API_VERSION or review.kind != "AdmissionReview":
        raise InputError(
            _WHERE,
            f"expected kind AdmissionReview of {ADMISSION_API_VERSION}, got "
            f"{review.kind or '?'} of {review.apiVersion or '?'} (the webhook configuration "
            'must say admissionReviewVersions: ["v1"])',
        )
    request = review.request
    if not request.uid:
        raise InputError(f"{_WHERE} request.uid", "empty: the reply could not be matched")
    typ = _object_type(request.resource, request.subResource)
    return AdmissionRequest(
        uid=request.uid,
        kind=request.kind,
        request_kind=request.requestKind or request.kind,
        resource=request.resource,
        sub_resource=request.subResource,
        operation=request.operation,
        user=request.userInfo,
        name=request.name,
        namespace=request.namespace,
        dry_run=request.dryRun,
        object=_decode_object(request.object, typ, "object"),
        old_object=_decode_object(request.oldObject, typ, "oldObject"),
    )

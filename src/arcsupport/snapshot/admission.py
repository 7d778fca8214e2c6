"""An admission request as the API server sends it to a validating webhook (AdmissionReview
of admission.k8s.io/v1), narrowed to what the admission guard reads; the objects are decoded
into the snapshot's own types by the resource they are."""

from __future__ import annotations

from typing import Literal

import msgspec

from arcsupport.snapshot.kube import Node, Workload

ADMISSION_API_VERSION = "admission.k8s.io/v1"
Operation = Literal["CREATE", "UPDATE", "DELETE", "CONNECT"]


class GroupVersionKind(msgspec.Struct, frozen=True, gc=False):
    group: str = ""
    version: str = ""
    kind: str = ""


class GroupVersionResource(msgspec.Struct, frozen=True, gc=False):
    group: str = ""
    version: str = ""
    resource: str = ""


class UserInfo(msgspec.Struct, frozen=True, gc=False):
    username: str = ""
    groups: list[str] = []


class ScaleSpec(msgspec.Struct, gc=False):
    replicas: int = 0


class Scale(msgspec.Struct, gc=False):
    """autoscaling/v1 Scale: what `kubectl scale` writes through a `/scale` subresource."""

    spec: ScaleSpec = msgspec.field(default_factory=ScaleSpec)


class RequestFields(msgspec.Struct, gc=False):
    """The request as sent; `object` and `oldObject` stay raw until the resource says what
    they are."""

    uid: str
    kind: GroupVersionKind
    resource: GroupVersionResource
    operation: Operation
    userInfo: UserInfo
    subResource: str = ""
    requestKind: GroupVersionKind | None = None
    name: str = ""
    namespace: str = ""
    # Empty when absent; JSON null (DELETE's object, CREATE's oldObject) is kept as written.
    object: msgspec.Raw = msgspec.Raw()
    oldObject: msgspec.Raw = msgspec.Raw()
    dryRun: bool = False


class ReviewFields(msgspec.Struct, gc=False):
    apiVersion: str
    kind: str
    request: RequestFields


# What an object of a request is, once its resource is known; None when the guard does not
# read it (CREATE has no old object, DELETE no new one, and most resources need no body).
AdmittedObject = Node | Workload | Scale | None


class AdmissionRequest(msgspec.Struct, frozen=True, gc=False):
    uid: str
    kind: GroupVersionKind  # what the objects are, after the API server's conversion
    request_kind: GroupVersionKind  # what the client sent: its alpha version is the request's
    resource: GroupVersionResource
    sub_resource: str
    operation: Operation
    user: UserInfo
    name: str
    namespace: str
    dry_run: bool
    object: AdmittedObject
    old_object: AdmittedObject

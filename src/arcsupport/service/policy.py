"""The policy pack the service judges by, and its digest: stored with every assessment, so
that a changed pack (an `arcsupport policy update`, a new release) is seen as one that makes
every stored judgement due again."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import msgspec

from arcsupport.policy.loader import load_pack
from arcsupport.policy.model import Pack


def digest_of(pack: Pack) -> str:
    return hashlib.sha256(msgspec.msgpack.encode(pack)).hexdigest()


@dataclass(frozen=True)
class Policy:
    pack: Pack
    digest: str


class CurrentPolicy:
    """The pack in force; `reload` reads it again (the user's overlay may have changed) and
    says whether it differs from the one in force."""

    def __init__(self, pack: Pack | None = None) -> None:
        loaded = pack if pack is not None else load_pack(None)
        self._policy = Policy(loaded, digest_of(loaded))
        self._lock = threading.Lock()

    def get(self) -> Policy:
        return self._policy

    def reload(self) -> bool:
        pack = load_pack(None)
        digest = digest_of(pack)
        with self._lock:
            if digest == self._policy.digest:
                return False
            self._policy = Policy(pack, digest)
            return True

"""Plain HTTP may carry a secret only to this machine: every form of loopback, nothing else."""

import pytest

from arcsupport.hosts import is_loopback


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.10", "::1"])
def test_loopback(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["example.com", "localhost.example.com", "10.0.0.1", "0.0.0.0", "::", "svc", ""]
)
def test_not_loopback(host: str) -> None:
    assert not is_loopback(host)

"""Whether a URL's host is this machine: plain HTTP may carry a secret there and nowhere else
(the collector's ARM endpoint, `collect --push`, a notification channel)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

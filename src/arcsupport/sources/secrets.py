"""Which kind of secret a string holds, if any: the detectors behind the privacy check of
`bundle inspect` and the collector's redaction of container arguments and annotations.

The detection is detect-secrets' (Yelp), through its detectors' `analyze_string`: never its
`analyze_line`, whose verification step would send a found key to its issuer. Enabled:
AWSKeyDetector, AzureStorageKeyDetector, BasicAuthDetector, GitHubTokenDetector,
GitLabTokenDetector, JwtTokenDetector, NpmDetector, OpenAIDetector, PrivateKeyDetector,
PypiTokenDetector, SendGridDetector, SlackDetector, SquareOAuthDetector and StripeDetector:
each looks for a format its issuer defines (a fixed prefix, a header), so a hit is a secret.
arcsupport adds what detect-secrets does not know: Azure SAS tokens (`sv=...&sig=...`), Azure
connection strings with a `SharedAccessKey`, a storage account key passed alone (64 bytes in
base64, as `--account-key KEY` takes it), an AWS secret access key named as such, GitHub's
fine-grained tokens (`github_pat_`), passwords in connection strings (`Password=` of
ADO.NET/ODBC/JDBC, `redis://:PASSWORD@`), PEM private keys detect-secrets misses (`BEGIN
ENCRYPTED PRIVATE KEY`) and base64-encoded ones, `Bearer` tokens and kubeadm bootstrap tokens.
Passwords that are references rather than values (`$(DB_PASSWORD)`, `${...}`, `{{ ... }}`)
are left alone, with detect-secrets' own heuristics.

Not enabled. Measured with bench/secret_noise.py on the seven example bundles (3,504 distinct
strings) and on bench/generate.py's 5,000-node, 150,000-pod bundle (2,064,098 distinct strings,
27.5 million in all), none of which holds a secret; the detectors above flag none of them:
- Base64HighEntropyString and HexHighEntropyString: 1 and 60 false hits on the examples,
  332 and 130,022 on the synthetic bundle. A Kubernetes object is full of random-looking
  strings that are not secrets: machine and boot ids, container ids, generated pod names,
  hashes, ARM resource ids. The format detectors catch the cloud keys and tokens a bundle
  could carry without that noise; a storage account key passed alone is caught by its exact
  shape (64 bytes in base64) instead of its entropy.
- KeywordDetector (`password: x`, `secret=x`): 1 false hit on the examples, Istio's sidecar
  status annotation (`"imagePullSecrets":null`); it takes a Secret's name for its value
  (`secretName: tls-cert`). Passwords are found in connection strings and URLs instead.
- IPPublicDetector: node and service addresses are what a bundle is for, not secrets; it also
  takes kernel versions (`6.6.96.1-1.azl3`, on every node) for addresses.
- ArtifactoryDetector, DiscordBotTokenDetector, MailchimpDetector, TelegramBotTokenDetector,
  TwilioKeyDetector, and the keyword-led IBM Cloud, IBM COS, SoftLayer and Cloudant
  detectors: no false hit measured, but their patterns have no fixed literal to sift by
  (`AP[0-9A-F]...`, `[MNO]...`, `AC[a-z0-9]{32}`, `\\d{8,10}:`), so they would run on every
  long string of a bundle, for services an AKS Arc cluster does not use.

Time stays bounded on big bundles: a string reaches a detector only when it is long enough to
hold a secret and a cheap literal anchor of that detector matches (`AKIA...`, `AccountKey=`,
`sig=`, `eyJ`, a URL with a password...). The same anchors sift whole files and each List item
before anything is decoded, as bundle inspect already did for its own patterns. So
AWSKeyDetector runs only where an access key id is (its second pattern, `aws...key "..."`,
only there too; the secret key named as such has its own pattern). detect-secrets itself
(which imports `requests`) is loaded on the first anchor hit only: a clean bundle never pays
for it. On bench/generate.py's 500-node, 15,000-pod bundle, bundle inspect takes 10% more CPU
time than with the patterns it had before (its pods carry env values, so every pod is walked),
and 44% more once those are redacted (each leading character of the anchors is one more search
through the 152 MB of pods.json); bench/README.md has the figures.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

# No detector matches fewer characters (an AWS access key id, a bootstrap token with its dot,
# "Bearer " and a short token are about this long): shorter strings need no regex at all.
SHORTEST = 20

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
# base64 of "-----BEGIN " (what a kubeconfig or a Secret holds): decoded to tell what begins.
_BASE64_PEM = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,120}")
_BEARER = re.compile(r"\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}")
# kubeadm bootstrap token: 6 and 16 characters of [a-z0-9], not part of a longer name.
_BOOTSTRAP = re.compile(r"(?<![A-Za-z0-9._-])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9._-])")
# An Azure SAS token: a signature (base64 of an HMAC-SHA256, URL-encoded or not) beside the
# signed version every SAS carries, in a URL, alone or in a connection string
# (SharedAccessSignature=sv=...).
_SAS_SIGNATURE = re.compile(r"(?:^|[?&;=\s\"'])sig=[A-Za-z0-9%+/=_-]{16,}")
_SAS_VERSION = re.compile(r"(?:^|[?&;=\s\"'])sv=\d{4}-\d{2}-\d{2}")
_SHARED_ACCESS_KEY = re.compile(r"(?:^|;)\s*SharedAccessKey=[A-Za-z0-9+/]{20,}={0,2}")
# An Azure storage account key is 64 random bytes: 86 base64 characters and "==". A SHA-512
# digest has the same shape; it is written after its algorithm's name (`sha512-...`).
_BASE64_64_BYTES = re.compile(
    r"(?<![A-Za-z0-9+/])(?<!sha512-)(?<!sha512:)[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"
)
_AWS_SECRET_KEY = re.compile(
    r"(?i)secret[_-]?access[_-]?key[\"']?\s*[=:\s]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
_GITHUB_FINE_GRAINED = re.compile(r"github_pat_[A-Za-z0-9_]{82}")
# Password=/Pwd= in ADO.NET, ODBC and JDBC connection strings, a password query parameter,
# and URLs with a password and no user name (redis://:PASSWORD@host).
_CONNECTION_PASSWORD = re.compile(
    r"(?i)(?:^|[;?&])\s*(?:password|pwd)=([^;&\"'\n]+)|"
    r"[a-z][a-z0-9+.-]*://:([^\s/?#@]+)@"
)
# A URL with a user information part that has a password: what both URL detectors need.
_URL_PASSWORD = r"://[^\s/?#@\"]*:[^\s/?#@\"]*@"


@dataclass(frozen=True, slots=True)
class _Detector:
    kind: str  # what a report calls the secret
    # Regexes one of which every hit matches, each case-sensitive, led by a literal character
    # and without a top-level alternation (several anchors instead): together they sift
    # strings, and whole files, before any detector runs. Those led by a rare character ("=",
    # then a look behind) share one search through a file.
    anchors: tuple[str, ...]
    found: Callable[[str], bool]


@cache
def _plugin(module: str, name: str) -> Any:
    """A detect-secrets detector, imported on first use (the package imports `requests`).
    Reached through Any: its classes are partly annotated."""
    return getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()


@cache
def _heuristics() -> Any:
    return importlib.import_module("detect_secrets.filters.heuristic")


def _is_reference(value: str) -> bool:
    """`$(DB_PASSWORD)`, `${PASSWORD}`, `{{ .Values.password }}`, `<password>`: a name for
    the secret, filled in elsewhere."""
    heuristics = _heuristics()
    return bool(
        heuristics.is_templated_secret(value) or heuristics.is_prefixed_with_dollar_sign(value)
    )


def _detect_secrets(module: str, name: str, *, passwords: bool = False) -> Callable[[str], bool]:
    def found(value: str) -> bool:
        hits = _plugin(module, name).analyze_string(value)
        return any(not (passwords and _is_reference(hit)) for hit in hits)

    return found


def _pattern(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda value: pattern.search(value) is not None


def base64_pem_heads(value: str) -> Iterator[str]:
    """The beginning of each base64-encoded PEM block in a string, decoded."""
    for match in _BASE64_PEM.finditer(value):
        encoded = match.group()
        try:
            yield base64.b64decode(encoded[: len(encoded) // 4 * 4]).decode("ascii", "replace")
        except (binascii.Error, ValueError):
            continue


def _private_key(value: str) -> bool:
    return _PRIVATE_KEY.search(value) is not None or any(
        True for _ in _plugin("private_key", "PrivateKeyDetector").analyze_string(value)
    )


def _base64_private_key(value: str) -> bool:
    return any(_PRIVATE_KEY.search(head) for head in base64_pem_heads(value))


def _sas(value: str) -> bool:
    return _SAS_SIGNATURE.search(value) is not None and _SAS_VERSION.search(value) is not None


def _key_of_64_bytes(value: str) -> bool:
    """Random bytes hold all three kinds of characters; a run of one (`AAAA...==`) is not a
    key."""
    for match in _BASE64_64_BYTES.finditer(value):
        key = match.group()
        kinds = (str.isupper, str.islower, str.isdigit)
        if all(any(kind(c) for c in key) for kind in kinds):
            return True
    return False


def _connection_password(value: str) -> bool:
    for match in _CONNECTION_PASSWORD.finditer(value):
        password = (match.group(1) or match.group(2)).strip()
        if password and not _is_reference(password):
            return True
    return False


# In the order a report prefers when one string holds more than one.
_DETECTORS: tuple[_Detector, ...] = (
    _Detector("private key (PEM)", ("PRIVATE KEY", "PuTTY-User-Key-File"), _private_key),
    _Detector("private key (base64 PEM)", ("LS0tLS1CRUdJTi",), _base64_private_key),
    _Detector(
        "Azure storage account key",
        ("=(?<=AccountKey=)",),
        _detect_secrets("azure_storage_key", "AzureStorageKeyDetector"),
    ),
    _Detector(
        "Azure connection string with a shared access key",
        ("=(?<=SharedAccessKey=)",),
        _pattern(_SHARED_ACCESS_KEY),
    ),
    _Detector("Azure shared access signature (SAS)", ("=(?<=sig=)",), _sas),
    _Detector(
        "64-byte base64 key (an Azure storage account key's format)", ("==",), _key_of_64_bytes
    ),
    _Detector(
        "AWS access key",
        ("A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9])[0-9A-Z]{16}",),
        _detect_secrets("aws", "AWSKeyDetector"),
    ),
    _Detector(
        "AWS secret access key",
        ("ecret(?:_access_key|-access-key|AccessKey)", "ECRET_ACCESS_KEY"),
        _pattern(_AWS_SECRET_KEY),
    ),
    _Detector(
        "GitHub token",
        ("gh[pousr]_", "github_pat_"),
        lambda value: (
            _GITHUB_FINE_GRAINED.search(value) is not None
            or _detect_secrets("github_token", "GitHubTokenDetector")(value)
        ),
    ),
    _Detector(
        "GitLab token",
        ("gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-", "GR1348941"),
        _detect_secrets("gitlab_token", "GitLabTokenDetector"),
    ),
    _Detector(
        "Slack token", ("xox", r"hooks\.slack\.com"), _detect_secrets("slack", "SlackDetector")
    ),
    _Detector("Stripe key", ("k_live_",), _detect_secrets("stripe", "StripeDetector")),
    _Detector("SendGrid key", (r"SG\.",), _detect_secrets("sendgrid", "SendGridDetector")),
    _Detector("OpenAI key", ("T3BlbkFJ",), _detect_secrets("openai", "OpenAIDetector")),
    _Detector("PyPI token", ("pypi-AgE",), _detect_secrets("pypi_token", "PypiTokenDetector")),
    _Detector("npm token", ("=(?<=_authToken=)",), _detect_secrets("npm", "NpmDetector")),
    _Detector(
        "Square OAuth secret", ("sq0csp-",), _detect_secrets("square_oauth", "SquareOAuthDetector")
    ),
    _Detector("bearer token (JWT)", ("J(?<=eyJ)",), _detect_secrets("jwt", "JwtTokenDetector")),
    _Detector("bearer token", ("earer",), _pattern(_BEARER)),
    _Detector(
        "connection string or URL with a password",
        (_URL_PASSWORD,),
        lambda value: (
            _connection_password(value)
            or _detect_secrets("basic_auth", "BasicAuthDetector", passwords=True)(value)
        ),
    ),
    _Detector(
        "connection string or URL with a password",
        ("=(?<=assword=)", "=(?<=ASSWORD=)", "=(?<=wd=)", "=(?<=WD=)"),
        _connection_password,
    ),
    _Detector("bootstrap token", (r"\.[a-z0-9]{16}",), _pattern(_BOOTSTRAP)),
)


def _by_first_character(anchors: Iterable[str]) -> list[str]:
    """Anchors joined into one regex per leading character: the regex engine searches a
    whole file fast for one that starts with a literal, slowly for an alternation of several,
    so each file is searched once per leading character rather than once per anchor."""
    groups: dict[str, list[str]] = {}
    for anchor in anchors:
        first = anchor[:2] if anchor.startswith("\\") else anchor[:1]
        groups.setdefault(first, []).append(anchor[len(first) :])
    return [f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items()]


_ALL_ANCHORS = _by_first_character(anchor for detector in _DETECTORS for anchor in detector.anchors)
_ANCHORS = re.compile("|".join(_ALL_ANCHORS))
_ANCHORED = tuple((re.compile("|".join(detector.anchors)), detector) for detector in _DETECTORS)
# The same anchors to sift raw bytes: whole files, then the List items of a file.
BYTES_ANCHORS: tuple[re.Pattern[bytes], ...] = tuple(
    re.compile(anchor.encode()) for anchor in _ALL_ANCHORS
)


def secret_kind(value: str) -> str | None:
    """The kind of secret a string holds ("AWS access key", "Azure shared access signature
    (SAS)"...), or None. Never the secret itself."""
    if len(value) < SHORTEST or not _ANCHORS.search(value):
        return None
    for anchor, detector in _ANCHORED:
        if anchor.search(value) and detector.found(value):
            return detector.kind
    return None

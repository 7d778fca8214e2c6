"""Secrets in their issuers' formats, made from random bytes (never a real credential), and
the benign strings a Kubernetes object is full of: for the tests of the detectors, of
`bundle inspect` and of the collector's redaction."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
from collections.abc import Callable
from urllib.parse import quote

import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

RNG = random.Random(12)
ALNUM = string.ascii_letters + string.digits


def pick(alphabet: str, count: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(count))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def random_bytes(count: int) -> bytes:
    return RNG.randbytes(count)


def aws_access_key_id() -> str:
    return "AKIA" + pick(string.ascii_uppercase + "234567", 16)


def aws_secret_access_key() -> str:
    return pick(ALNUM + "+/", 40)


def storage_account_key() -> str:
    return b64(random_bytes(64))  # 88 characters, "==" at the end


def storage_connection_string() -> str:
    return (
        "DefaultEndpointsProtocol=https;AccountName=contosodiag;"
        f"AccountKey={storage_account_key()};EndpointSuffix=core.windows.net"
    )


def service_bus_connection_string() -> str:
    return (
        "Endpoint=sb://contoso-events.servicebus.windows.net/;"
        f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={b64(random_bytes(32))}"
    )


def sas_url() -> str:
    signature = quote(b64(random_bytes(32)), safe="")  # %2B, %2F, %3D as Azure writes them
    return (
        "https://contosodiag.blob.core.windows.net/logs/app.log?sv=2022-11-02&ss=b&srt=sco"
        f"&sp=rl&se=2025-10-01T00:00:00Z&st=2025-09-01T00:00:00Z&spr=https&sig={signature}"
    )


def sas_token_base64url() -> str:
    return f"?sv=2021-08-06&sr=c&sp=racwdl&se=2026-01-01&sig={b64url(random_bytes(32))}"


def jwt() -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(
        json.dumps(
            {"sub": "system:serviceaccount:apps:web", "iss": "https://kubernetes.default.svc"}
        ).encode()
    )
    signature = hmac.new(random_bytes(32), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{b64url(signature.digest())}"


def ec_private_key(encoding: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    formats = {
        "pkcs8": serialization.PrivateFormat.PKCS8,
        "sec1": serialization.PrivateFormat.TraditionalOpenSSL,
        "openssh": serialization.PrivateFormat.OpenSSH,
    }
    if encoding == "encrypted":
        protection: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(b"passphrase")
        )
        form = serialization.PrivateFormat.PKCS8
    else:
        protection = serialization.NoEncryption()
        form = formats[encoding]
    return key.private_bytes(serialization.Encoding.PEM, form, protection).decode()


def openssh_ed25519_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()


def password() -> str:
    return pick(ALNUM, 18)


# case: (make a value, the kind of secret it is)
SECRETS: dict[str, tuple[Callable[[], str], str]] = {
    "aws-access-key-id": (lambda: f"--aws-access-key-id={aws_access_key_id()}", "AWS access key"),
    "aws-secret-access-key": (
        lambda: f"--aws-secret-access-key={aws_secret_access_key()}",
        "AWS secret access key",
    ),
    "aws-secret-in-env-style": (
        lambda: f"AWS_SECRET_ACCESS_KEY={aws_secret_access_key()}",
        "AWS secret access key",
    ),
    "storage-account-key-alone": (
        storage_account_key,
        "64-byte base64 key (an Azure storage account key's format)",
    ),
    "storage-connection-string": (storage_connection_string, "Azure storage account key"),
    "service-bus-connection-string": (
        service_bus_connection_string,
        "Azure connection string with a shared access key",
    ),
    "sas-url": (sas_url, "Azure shared access signature (SAS)"),
    "sas-token-base64url": (sas_token_base64url, "Azure shared access signature (SAS)"),
    "storage-connection-string-with-sas": (
        lambda: (
            "BlobEndpoint=https://contosodiag.blob.core.windows.net/;SharedAccessSignature="
            + sas_token_base64url().lstrip("?")
        ),
        "Azure shared access signature (SAS)",
    ),
    "github-classic": (lambda: "ghp_" + pick(ALNUM, 36), "GitHub token"),
    "github-app": (lambda: "ghs_" + pick(ALNUM, 36), "GitHub token"),
    "github-fine-grained": (lambda: "github_pat_" + pick(ALNUM + "_", 82), "GitHub token"),
    "gitlab": (lambda: "glpat-" + pick(ALNUM + "_-", 20), "GitLab token"),
    "slack-bot": (
        lambda: f"xoxb-{pick(string.digits, 12)}-{pick(string.digits, 13)}-{pick(ALNUM, 24)}",
        "Slack token",
    ),
    "slack-webhook": (
        lambda: (
            "https://hooks.slack.com/services/T"
            + pick(string.ascii_uppercase + string.digits, 10)
            + "/B"
            + pick(string.ascii_uppercase + string.digits, 10)
            + "/"
            + pick(ALNUM, 24)
        ),
        "Slack token",
    ),
    "stripe": (lambda: "sk_live_" + pick(ALNUM, 24), "Stripe key"),
    "jwt": (jwt, "bearer token (JWT)"),
    "bearer-header": (
        lambda: f"Authorization: Bearer {pick(ALNUM + '-._~', 40)}",
        "bearer token",
    ),
    "pem-pkcs8": (lambda: ec_private_key("pkcs8"), "private key (PEM)"),
    "pem-sec1": (lambda: ec_private_key("sec1"), "private key (PEM)"),
    "pem-openssh": (openssh_ed25519_key, "private key (PEM)"),
    "pem-encrypted": (lambda: ec_private_key("encrypted"), "private key (PEM)"),
    "pem-in-base64": (
        lambda: b64(ec_private_key("pkcs8").encode()),
        "private key (base64 PEM)",
    ),
    "postgres-url": (
        lambda: f"postgresql://orders:{password()}@db.contoso.internal:5432/orders",
        "connection string or URL with a password",
    ),
    "mongodb-url": (
        lambda: f"mongodb+srv://app:{password()}@cluster0.example.mongodb.net/orders",
        "connection string or URL with a password",
    ),
    "redis-url-without-user": (
        lambda: f"redis://:{password()}@redis-master.cache:6379/0",
        "connection string or URL with a password",
    ),
    "sql-server-ado-net": (
        lambda: (
            "Server=tcp:contoso.database.windows.net,1433;Initial Catalog=orders;"
            f"User ID=app;Password={password()};Encrypt=True;"
        ),
        "connection string or URL with a password",
    ),
    "jdbc-query-password": (
        lambda: f"jdbc:mysql://db:3306/orders?user=app&password={password()}",
        "connection string or URL with a password",
    ),
    "odbc-pwd": (
        lambda: f"Driver={{ODBC Driver 18}};Server=db;Uid=app;Pwd={password()};",
        "connection string or URL with a password",
    ),
    "bootstrap-token": (
        lambda: (
            f"--token={pick(string.ascii_lowercase + string.digits, 6)}."
            f"{pick(string.ascii_lowercase + string.digits, 16)}"
        ),
        "bootstrap token",
    ),
}


def certificate_pem() -> str:
    return trustme.CA().cert_pem.bytes().decode()


BENIGN: dict[str, Callable[[], str]] = {
    "image-digest": lambda: (
        "mcr.microsoft.com/oss/kubernetes/pause@sha256:"
        + hashlib.sha256(random_bytes(8)).hexdigest()
    ),
    "container-id": lambda: "containerd://" + hashlib.sha256(random_bytes(8)).hexdigest(),
    "uuid-upper": lambda: "5ACCA10A-EB53-4F9A-A2A9-CCA6466568AA",
    "arm-id": lambda: (
        "/subscriptions/5f1c2b3a-7d4e-4c1b-9a8f-0e2d3c4b5a69/resourceGroups/"
        "rg-aksarc-prod/providers/Microsoft.Kubernetes/connectedClusters/contoso-aks-01"
    ),
    "git-sha": lambda: hashlib.sha1(random_bytes(8)).hexdigest(),
    "sha512-integrity": lambda: "sha512-" + b64(hashlib.sha512(random_bytes(8)).digest()),
    "ca-bundle-base64": lambda: b64(certificate_pem().encode()),
    "ca-bundle-pem": certificate_pem,
    "oidc-issuer": lambda: (
        "https://oidcdiscovery-northamerica-endpoint-gbcge4adgqebgxev"
        ".z01.azurefd.net/88517c56-4c45-4ea2-8d4b-ec1e6c6f1a7e/"
    ),
    "user-without-password": lambda: "https://deploy@git.contoso.com/platform/charts.git",
    "password-reference-in-url": lambda: "postgresql://orders:$(DB_PASSWORD)@db:5432/orders",
    "password-reference-in-connection-string": lambda: (
        "Server=db;Database=orders;User Id=app;Password=${DB_PASSWORD};"
    ),
    "password-template": lambda: "Server=db;User Id=app;Password={{ .Values.db.password }};",
    "password-file-flag": lambda: "--password-file=/etc/secrets/db/password",
    "key-file-flags": lambda: "--service-account-key-file=/etc/kubernetes/pki/sa.key",
    "secret-name-in-json": lambda: '{"secretName":"ingress-tls","imagePullSecrets":null}',
    "bearer-word": lambda: "uses bearer token authentication from the projected volume",
    "token-file-flag": lambda: "--token-auth-file=/etc/kubernetes/tokens.csv",
    "node-kernel": lambda: "6.6.96.1-1.azl3 (Microsoft Azure Linux 3.0)",
    "helm-checksum": lambda: hashlib.sha256(random_bytes(8)).hexdigest(),
    "pod-template-hash-name": lambda: "aurora-scheduler-fvp-2xkvgs8bt5-w9mj2",
    "long-base64-without-padding": lambda: b64(random_bytes(63)),
    "sig-without-version": lambda: "https://example.com/download?file=x.tar.gz&sig=detached",
}

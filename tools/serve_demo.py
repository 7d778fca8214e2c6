"""`make serve`: the service on 127.0.0.1 with a fresh database, loaded with the example bundles
through its own API (POST /api/v1/bundles, as `collect --push` sends them), then the URL and
a viewer token printed; Ctrl-C stops it.

    .venv/bin/python tools/serve_demo.py [--port 8080]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ARCSUPPORT = Path(sys.executable).parent / "arcsupport"


def tarball(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return buffer.getvalue()


def token(db: Path, role: str) -> str:
    made = subprocess.run(
        [str(ARCSUPPORT), "token", "create", "--tenant", "demo", "--role", role,
         "--label", "make serve", "--db", str(db)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return made.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    port = parser.parse_args().port
    folder = Path(tempfile.mkdtemp(prefix="arcsupport-serve-"))
    db = folder / "service.db"
    subprocess.run([str(ARCSUPPORT), "db", "upgrade", "--db", str(db)], check=True)
    operator, viewer = token(db, "operator"), token(db, "viewer")
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ARCSUPPORT), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    )
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(200):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    sys.exit(f"the service did not start (exit {server.returncode})")
                time.sleep(0.1)
            # Every example a cluster was read from: the bundles and the `kubectl cluster-info
            # dump` (its folder tarred, one of the shapes the readers take).
            bundles = sorted(
                path.parent
                for pattern in ("examples/*/manifest.json", "examples/*/nodes.json")
                for path in ROOT.glob(pattern)
            )
            headers = {"Authorization": f"Bearer {operator}"}
            for bundle in bundles:
                answer = client.post(
                    "/api/v1/bundles",
                    content=tarball(bundle),
                    headers={**headers, "Content-Type": "application/gzip"},
                )
                answer.raise_for_status()
                print(f"uploaded {bundle.name}: {answer.json()['verdict']}", file=sys.stderr)
        print(f"\narcsupport is serving {len(bundles)} example clusters at {url}/")
        print(f"viewer token (sign in at {url}/ or send `Authorization: Bearer TOKEN`):")
        print(viewer)
        print(f"try: curl -H 'Authorization: Bearer {viewer}' {url}/api/v1/clusters\n")
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

"""Print uv's requirement line as uv.lock pins it, version and hashes, so that pip can
bootstrap the one tool that then installs everything else from the same lock."""

import sys
import tomllib
from pathlib import Path

lock = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "uv.lock").read_text("utf-8"))
(uv,) = [package for package in lock["package"] if package["name"] == "uv"]
files = [*uv.get("wheels", []), *([uv["sdist"]] if "sdist" in uv else [])]
print(f"uv=={uv['version']}", *(f"--hash={file['hash']}" for file in files))

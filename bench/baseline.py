"""The benchmark's yardstick: read every JSON file of a bundle and `orjson.loads` it.

    python bench/baseline.py [--gc on|off] FILE...

Run by bench/run.py in a fresh process per measurement. Every parsed document stays alive
until the end, as it would for a program that goes on to judge them. Prints one JSON line:
{"seconds": <read + parse time>, "files": n, "bytes": n}. The peak memory is measured from
outside (os.wait4), the same way as for `arcsupport check`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gc", choices=("on", "off"), default="on")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    if args.gc == "off":
        gc.disable()
    parsed: list[Any] = []
    total = 0
    started = time.perf_counter()
    for path in args.files:
        data = path.read_bytes()
        total += len(data)
        parsed.append(orjson.loads(data))
        del data  # as a reader would: the bytes are garbage once parsed
    seconds = time.perf_counter() - started
    sys.stdout.write(
        orjson.dumps({"seconds": seconds, "files": len(parsed), "bytes": total}).decode() + "\n"
    )
    sys.stdout.flush()
    # Freeing gigabytes of dicts one by one takes seconds that nobody is measuring.
    os._exit(0)


if __name__ == "__main__":
    main()

"""How noisy each detect-secrets detector is on bundles that hold no secret: the measurement
behind the choice of detectors in src/arcsupport/sources/secrets.py.

    python bench/secret_noise.py BUNDLE [BUNDLE...]

Every string value of every JSON and YAML file (and every line of the other files) is counted
once per distinct value; each detector is run on each distinct string the way detect-secrets
would meet it in a JSON file: the regex detectors on the string, the high-entropy detectors
on a string made only of their characters (a quoted JSON value) above their default limit,
KeywordDetector with its YAML/config patterns. Prints, per detector, the distinct strings and
the occurrences it flags (each one a false positive here), its time over the distinct strings,
and a few examples; then the same for arcsupport's own `secret_kind`.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec
import yaml
from detect_secrets import plugins
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.keyword import CONFIG_DENYLIST_REGEX_TO_GROUP, KeywordDetector

from arcsupport.sources.secrets import secret_kind


def strings(roots: Iterable[Path]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            if path.suffix == ".json":
                stack: list[Any] = [msgspec.json.decode(path.read_bytes())]
            elif path.suffix in (".yaml", ".yml"):
                stack = [yaml.safe_load(path.read_text())]
            else:
                counts.update(path.read_text(errors="replace").splitlines())
                continue
            while stack:
                value = stack.pop()
                if isinstance(value, str):
                    counts[value] += 1
                elif isinstance(value, list):
                    stack.extend(value)
                elif isinstance(value, dict):
                    stack.extend(value.values())
    return counts


def detectors() -> Iterable[tuple[str, Callable[[str], bool]]]:
    for module in pkgutil.iter_modules(plugins.__path__):
        loaded = importlib.import_module(f"detect_secrets.plugins.{module.name}")
        for name, cls in sorted(vars(loaded).items()):
            if not (
                inspect.isclass(cls)
                and issubclass(cls, BasePlugin)
                and not inspect.isabstract(cls)
                and cls.__module__ == loaded.__name__
            ):
                continue
            plugin = cls()
            if isinstance(plugin, HighEntropyStringsPlugin):
                charset = frozenset(plugin.charset)

                def entropy(value: str, plugin: Any = plugin, charset: Any = charset) -> bool:
                    return set(value) <= charset and (
                        plugin.calculate_shannon_entropy(value) > plugin.entropy_limit
                    )

                yield name, entropy
            elif isinstance(plugin, KeywordDetector):

                def keyword(value: str, plugin: Any = plugin) -> bool:
                    found = plugin.analyze_string(value, CONFIG_DENYLIST_REGEX_TO_GROUP)
                    return any(True for _ in found)

                yield name, keyword
            else:

                def regex(value: str, plugin: Any = plugin) -> bool:
                    return any(True for _ in plugin.analyze_string(value))

                yield name, regex
    yield "arcsupport secret_kind", lambda value: secret_kind(value) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundles", nargs="+", type=Path)
    args = parser.parse_args(argv)
    counts = strings(args.bundles)
    print(f"{len(counts):,} distinct strings, {sum(counts.values()):,} in all")
    print(f"{'detector':32} {'distinct':>9} {'occurrences':>12} {'seconds':>8}  examples")
    for name, flags in detectors():
        start = time.perf_counter()
        flagged = [value for value in counts if flags(value)]
        seconds = time.perf_counter() - start
        examples = "; ".join(value[:60] for value in flagged[:3])
        occurrences = sum(counts[value] for value in flagged)
        print(f"{name:32} {len(flagged):>9,} {occurrences:>12,} {seconds:>8.1f}  {examples}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""docs/rules.md, generated from the rule registry and the English catalogs.

    python -m arcsupport.report.rules_page [FILE]    (`make docs`; default docs/rules.md)

A test holds the committed page to what this writes."""

from __future__ import annotations

import sys
from pathlib import Path

from arcsupport.report.documents.explain import rule_doc
from arcsupport.report.markdown import render_rules_page
from arcsupport.rules.registry import RULES

PAGE = Path("docs") / "rules.md"


def render() -> str:
    return render_rules_page([rule_doc(spec, "en") for spec in RULES])


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else PAGE
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""docs/rules.md is what `make docs` generates from the registry and the catalogs, and shows
every rule with its clauses, docs, needs and operations."""

from __future__ import annotations

import re
from pathlib import Path

from arcsupport.i18n import text
from arcsupport.report.rules_page import PAGE, main, render
from arcsupport.rules.registry import RULES
from helpers import ROOT


def test_the_committed_page_is_the_generated_one() -> None:
    assert (ROOT / PAGE).read_text(encoding="utf-8") == render(), "run `make docs` and commit"


def test_the_generator_writes_the_page(tmp_path: Path) -> None:
    main([str(tmp_path / "rules.md")])
    assert (tmp_path / "rules.md").read_text(encoding="utf-8") == render()


def test_every_rule_in_registry_order_with_its_docs() -> None:
    page = render()
    assert re.findall(r"^## (\S+)$", page, re.MULTILINE) == [spec.id for spec in RULES]
    for spec, section in zip(RULES, page.split("\n## ")[1:], strict=True):
        assert f"**Clauses:** {', '.join(spec.clauses)}\n" in section
        assert text("en", f"rule.{spec.id}", "title") in section
        for operation in spec.operations:
            assert f"`{operation}`" in section
        if not spec.operations:
            assert "**Operations it can warn on or block:** none" in section
        catalog = f"src/arcsupport/i18n/{{en,ko}}/rules/{spec.module}.toml"
        assert catalog in section
        for lang in ("en", "ko"):
            assert (ROOT / catalog.replace("{en,ko}", lang)).is_file()

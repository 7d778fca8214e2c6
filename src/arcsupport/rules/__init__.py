"""The rules, one module per policy area; `registry.RULES` lists them all in report order."""

"""The `arcsupport` command, one module per command: parse, call, render, exit code."""

"""Every JSON document arcsupport prints, as frozen msgspec Structs: one module per document
family (assessment and fleet, versions, gate, plan, triage, advisories, known issues, bundle
inspection, access and audit, explain), each with the functions that build it from the
engine's values in the reader's language.

A package of their own rather than beside each renderer, for three reasons. A document is
read by several renderers (the assessment by the table, Markdown, HTML, SARIF and triage
views), so it belongs to none of them. `--output json` imports these modules and msgspec
only, not rich, Jinja2 or junitparser, which keeps its start-up short. And the JSON Schemas
shipped in `arcsupport/schema/` are generated from exactly these Structs
(`report/schemas.py`), so the contract and the code that writes it cannot drift apart."""

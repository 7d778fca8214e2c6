"""The fleet service (`arcsupport serve`): clusters report in over an HTTP API, their verdicts
are kept current as days pass, and each tenant sees only its own clusters.

Above `api` and below `cli`: it reads bundles with sources/, judges with engine/, renders with
report/ and keeps support access with access/, and stores what it needs in its own tables
(models.py) beside the access tables, on SQLite or PostgreSQL.
"""

"""Consented support access (SHR-2, COV-IN-8): grants in a database and a hash-chained audit log.

`consent` and `rbac` are pure and light; `models`, `store` and `audit` need SQLAlchemy and are
imported only by the `access` and `audit` commands, so `arcsupport check` never loads them.
"""

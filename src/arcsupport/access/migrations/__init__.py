"""Alembic migrations of the access database, shipped inside the package and applied by
`arcsupport.access.store` whenever a database is opened."""

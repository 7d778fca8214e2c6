"""The release of arcsupport (read by the build as well, so it is written once)."""

__version__ = "0.1.0"

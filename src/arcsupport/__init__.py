"""arcsupport: the AKS enabled by Azure Arc support policy as working software."""

from arcsupport.version import __version__

__all__ = ["__version__"]

"""arcsupport: the AKS enabled by Azure Arc support policy as working software."""

__version__ = "0.1.0"

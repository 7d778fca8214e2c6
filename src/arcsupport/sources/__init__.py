"""Sources: everything that turns bytes into a Snapshot (bundles, archives, `kubectl
cluster-info dump` folders, Resource Graph exports) and the live collectors under `live/`."""

"""Live collection: the Kubernetes API and Azure Resource Manager, written into a bundle."""

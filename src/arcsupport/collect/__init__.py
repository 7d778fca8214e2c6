"""Live sources: the Kubernetes API and Azure Resource Manager, written as a bundle."""

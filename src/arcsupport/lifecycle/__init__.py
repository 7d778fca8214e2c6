"""Version arithmetic and the AKS Arc version calendar."""

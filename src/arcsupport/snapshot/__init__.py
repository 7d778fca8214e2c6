"""What can be observed about a cluster, as typed facts with provenance, and its readers."""

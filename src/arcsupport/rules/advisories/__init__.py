"""Security advisories (SEC-1, SEC-2): what a cluster runs, matched to the advisories that
affect it, each with its fix."""

"""The policy pack: thresholds, calendars, signatures and clause texts, as validated data."""

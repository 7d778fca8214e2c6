"""Notifications of a tenant's clusters: N days before each deadline and on every verdict
change, to a generic webhook, Slack, Microsoft Teams or e-mail.

settings.py (what a tenant asked for, its channels), notice.py (which events are due: one
delivery row per event and channel, under a unique key), render.py (each channel's payload),
send.py (HTTP and SMTP, errors told without secrets), job.py (the job the scheduler runs:
plan, claim, send, record).
"""

"""Judgement, pure: assess one cluster, a fleet, an operation's gate, a case's scope, a plan."""

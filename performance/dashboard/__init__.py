"""Monitoring dashboards: a unit's own, the finance overview, their charts' JSON, and reports."""

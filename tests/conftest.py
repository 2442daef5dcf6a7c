"""Shared test setup: Hypothesis profiles that keep the suite fast and deterministic.

``ci`` (the default) uses fewer examples; ``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

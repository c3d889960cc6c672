"""Pharmacodynamics: receptor occupancy, the cascade, non-specific components, acute effects."""

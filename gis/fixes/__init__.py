"""Ranked physical-environment fixes in the database: recompute, route, follow up."""

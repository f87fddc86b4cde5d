"""Presence work of the EST partners: patrol capacity, weekly visit plans, the visit log and
non-physical measures (extra patrols, safety hosts, night walking …) with their follow-up."""

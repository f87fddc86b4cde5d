"""Residents hear back without coming back: e-mail confirmations and status updates with
one-click unsubscribe, staff digests, and residents' data rights (export, erasure)."""

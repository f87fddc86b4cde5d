"""Settings split by environment: `base` (shared), `demo`, `test` and `production`."""

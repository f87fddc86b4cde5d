"""The demo municipality: central Helsinki from OpenStreetMap plus seeded, documented reports."""

"""The walks app's views: the field app's and leaders' pages (`pages`, `leader`) and the API of
walks and resident pins (`walks`, `pins`, with what they share in `common`)."""

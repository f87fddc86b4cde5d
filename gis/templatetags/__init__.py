"""Template tags of the project's shared pages."""

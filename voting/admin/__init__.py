"""Blueprint package; see routes.py."""

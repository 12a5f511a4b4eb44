"""Helpers shared by the tests only (never imported by the package)."""

"""Printed documents: letters, receipts, the proces-verbaal and their shared PDF plumbing."""

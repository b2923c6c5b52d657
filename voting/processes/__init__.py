"""Processes (trajecten): several elections as the stages of one decision, with one
letter per resident (issue #13)."""

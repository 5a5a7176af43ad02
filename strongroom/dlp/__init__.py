"""Sensitive data in free text: find it (`scanner`, `recognizers/`), then neutralise it
(`operators`) before it is stored or shown."""

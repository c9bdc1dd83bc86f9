"""Volunteer labels: importers/exporters for real formats, consensus across volunteers, reliability."""

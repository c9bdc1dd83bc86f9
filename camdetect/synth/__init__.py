"""Synthetic city for the demo and tests: panoramas, ground truth and simulated volunteers.

Entry point: :func:`camdetect.synth.city.generate_city` (CLI ``camdetect synth``).
"""

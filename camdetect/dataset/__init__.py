"""Panoramas (or photos) + consensus cameras -> an ultralytics dataset with views.csv, boxes.csv,
attribute crops and a dataset card (`camdetect dataset build`), and its checker (`camdetect dataset check`)."""

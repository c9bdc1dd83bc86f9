"""Physically based camera sprites (Mitsuba 3) and composites on real backgrounds.

``camdetect render sprites`` renders parametric 3D cameras and look-alikes, true to size in metres,
lit by real outdoor HDR maps, into RGBA sprites with exact camera boxes (``sprites.py``);
``camdetect render composite`` pastes them onto real street photos and synthetic-city views with
harmonisation into an ordinary ultralytics dataset (``composite.py``). Why: no labelled real photos of
street cameras exist under a licence that allows training, so realism is manufactured.
"""

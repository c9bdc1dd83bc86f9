"""Review web app: volunteers verify model suggestions in a browser (FastAPI + the review store).

    from camdetect.review.app import create_app     # imports fastapi; keep it out of cli.py's top level
"""

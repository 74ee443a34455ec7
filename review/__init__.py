"""The staff review app: queue, case page, corrections, directory, dashboard (FastAPI + Jinja2)."""

from review.app import create_app

__all__ = ["create_app"]

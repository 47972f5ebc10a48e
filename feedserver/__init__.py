"""Homework Muffin feed server: Canvas OAuth2, calendar feeds, API, proxy, LTI."""

__version__ = "0.1.0"

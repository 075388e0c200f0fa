"""Thin Typer front end over ``patchbook.service``: ``patchbook <noun> <verb>``."""

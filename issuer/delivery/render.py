"""Jinja rendering of templates/ outside a request (certificates, badges): the same folder and
autoescaping rules as the Flask application's pages."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape


@lru_cache(maxsize=4)
def environment(templates_dir: str) -> Environment:
    return Environment(loader=FileSystemLoader(templates_dir), autoescape=select_autoescape(("html", "svg", "xml")),
                       trim_blocks=True, lstrip_blocks=True)


def templates_dir(config) -> str:
    return str(Path(config.contexts_dir).parent / "templates")


def render(config, name: str, **context) -> str:
    return environment(templates_dir(config)).get_template(name).render(**context)

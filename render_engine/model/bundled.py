"""Where the data folders that ship with the engine are (standard library only: the command line's early image
start reads a template and the ICC index before :mod:`.settings` and pydantic load, issue 22)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def bundled_dir(name: str) -> Path:
    """A data folder that ships with the engine (``templates_print``, ``fonts``, ``icc_profiles``, ``mockups``).

    An installed wheel carries them as package data, ``render_engine/data/<name>`` (setup.py maps the
    repository's top-level folders there), found through ``importlib.resources``; a source checkout
    (editable install, ``PYTHONPATH``) reads the top-level folder itself.
    """
    packaged = resources.files("render_engine").joinpath("data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return REPO_ROOT / name

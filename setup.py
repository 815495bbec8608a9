"""Package discovery and the engine's bundled data (everything else is in pyproject.toml).

The data folders stay at the top of the repository (``templates_print/``, ``fonts/``, ``icc_profiles/``,
``mockups/``) and are mapped into the wheel as ``render_engine/data/<folder>``, where
:func:`render_engine.settings.bundled_dir` finds them through ``importlib.resources``. A source checkout
(``pip install -e .`` or ``PYTHONPATH=.``) reads the top-level folders directly.
"""

from setuptools import find_packages, setup

DATA_DIRS = ("templates_print", "templates_design", "fonts", "icc_profiles", "mockups", "dictionaries")

setup(
    packages=[
        *find_packages(include=["render_engine*", "api*", "benchmarks*"]),
        *(f"render_engine.data.{name}" for name in DATA_DIRS),
    ],
    package_dir={f"render_engine.data.{name}": name for name in DATA_DIRS},
    package_data={
        "render_engine": ["py.typed", "locale/*/LC_MESSAGES/*.mo"],  # preflight messages (checks/messages.py)
        "api": ["demo/*.html", "demo/*.js", "demo/*.css"],  # the /demo page (api/routes/demo.py)
        **{f"render_engine.data.{name}": ["**/*"] for name in DATA_DIRS},
    },
)

"""render_engine: design JSON + product template -> print-ready raster/PDF.

The pipeline (see :mod:`render_engine.pipeline`) is parse -> resolve -> layout -> draw -> write.
"""

__version__ = "0.1.0"

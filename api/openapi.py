"""Print the OpenAPI document: ``python -m api.openapi > docs/openapi.json`` (a test compares them)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from render_engine.farm.settings import ServiceSettings

from .app import create_app


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(ServiceSettings(storage_root=Path(tmp), redis_url=None, api_keys=""))
        sys.stdout.write(json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()

"""The design model's building blocks shared by :mod:`.design` and :mod:`.paint`: the strict pydantic base
model, millimetre and opacity types, and colours (sRGB hex or explicit CMYK)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from .fast_validate import DefaultsModel, construct

MAX_MM = 5000.0  # no product is 5 m wide; bigger numbers are typos or attacks
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def json_number(value: Any) -> Any:
    """A number as JSON sends one. pydantic's lax mode reads ``true`` as 1 and ``"12"`` as 12 (``"version":
    true`` was a version-1 design, ``"year": true`` the year 1): both are refused here, naming the field."""
    if isinstance(value, bool):
        raise ValueError("a number is needed here, not true/false")
    if isinstance(value, str | bytes):
        raise ValueError("a number is needed here, not a string")
    return value


def json_flag(value: Any) -> Any:
    """``true`` or ``false`` only: lax mode reads 1, 0, ``"yes"``, ``"off"``... as booleans."""
    if not isinstance(value, bool):
        raise ValueError("true or false is needed here")
    return value


#: Put last in an ``Annotated[float | int, Field(...), NUMBER]``: after the constraints, so the JSON Schema keeps
#: ``minimum`` / ``maximum`` (a validator before them turns those into pydantic-only keys).
NUMBER = BeforeValidator(json_number)
Flag = Annotated[bool, BeforeValidator(json_flag)]
Number = Annotated[float, NUMBER]
Integer = Annotated[int, NUMBER]

Mm = Annotated[float, Field(ge=-MAX_MM, le=MAX_MM), NUMBER]
PositiveMm = Annotated[float, Field(gt=0, le=MAX_MM), NUMBER]
Degrees = Annotated[float, Field(ge=-3600, le=3600), NUMBER]
Opacity = Annotated[float, Field(ge=0, le=1), NUMBER]


class Model(DefaultsModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class CMYK(Model):
    """An explicit process colour, percentages 0-100. Passed to CMYK output untouched."""

    cmyk: tuple[
        Annotated[float, Field(ge=0, le=100), NUMBER],
        Annotated[float, Field(ge=0, le=100), NUMBER],
        Annotated[float, Field(ge=0, le=100), NUMBER],
        Annotated[float, Field(ge=0, le=100), NUMBER],
    ]


class RGB(Model):
    """An sRGB colour given as ``#rrggbb`` (or ``#rgb``) in JSON."""

    hex: str

    @property
    def rgb(self) -> tuple[int, int, int]:
        h = self.hex.lstrip("#")
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def parse_color(value: Any) -> Any:
    if isinstance(value, RGB | CMYK):
        return value
    if isinstance(value, str):
        if not HEX_COLOR.match(value):
            raise ValueError("a colour is '#rrggbb' or {\"cmyk\": [c, m, y, k]}")
        return construct(RGB, hex=value.lower())  # RGB(hex=...) without building RGB's validator (issue 22)
    if isinstance(value, dict):
        return CMYK.model_validate(value)
    raise ValueError("a colour is '#rrggbb' or {\"cmyk\": [c, m, y, k]}")


class ColorType:
    """Pydantic glue: JSON string/object <-> RGB | CMYK, with one clean error location. Its core schema is the
    plain validator :attr:`plain_validator`, which :mod:`.fast_validate` calls as pydantic does."""

    plain_validator = staticmethod(parse_color)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls.plain_validator,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda c: c.hex if isinstance(c, RGB) else {"cmyk": list(c.cmyk)}
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {
            "oneOf": [
                {"type": "string", "pattern": HEX_COLOR.pattern, "description": "sRGB hex"},
                {
                    "type": "object",
                    "properties": {
                        "cmyk": {
                            "type": "array",
                            "items": {"type": "number", "minimum": 0, "maximum": 100},
                            "minItems": 4,
                            "maxItems": 4,
                        }
                    },
                    "required": ["cmyk"],
                    "additionalProperties": False,
                    "description": "explicit CMYK percentages, passed to CMYK output untouched",
                },
            ]
        }


Color = Annotated[RGB | CMYK, ColorType]

"""What the per-type translations (:mod:`.shapes`, :mod:`.text_objects`, :mod:`.images`, :mod:`.groups`,
:mod:`.effects`, :mod:`.font_properties`, :mod:`.styles`) see of the import: a :class:`Node` to translate and the
:class:`Converter` they append layers to and recurse through.

:class:`.converter.Converter` implements the protocol and dispatches to those modules; they depend on this
module only, so the dispatch and the handlers do not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..model.geometry import Matrix
from .options import FabricOptions
from .svg import Bounds

if TYPE_CHECKING:
    from ..engine import Engine
    from ..inputs.font_catalog import FontCatalog
    from ..model.templates import Template

#: A clipPath that applies to an object: (the clip object, its field, the canvas matrix of the object that
#: owns it — the object itself or one of its groups).
Clip = tuple[Any, str, Matrix]


@dataclass(frozen=True)
class Node:
    """A Fabric object as the converter meets it in the tree: what every per-type translation starts from."""

    obj: Mapping[str, Any]  # the Fabric object
    where: str  # its field path, e.g. "fabric.objects[2].objects[0]"
    kind: str  # our kind for its type (:data:`.parse.TYPES`)
    m: Matrix  # object-local (centred) px -> canvas px, its groups' matrices included
    opacity: float  # its own opacity times its groups'
    in_group: bool = False  # inside a group (Fabric draws it into the group, not through its own cache)
    clips: tuple[Clip, ...] = ()  # the clipPaths of the groups around it (outermost first)


class Converter(Protocol):
    """The per-import state and the dispatch (:class:`.converter.Converter`)."""

    fonts: FontCatalog
    page: Matrix  # canvas px -> trim mm
    asset_dir: Path
    opts: FabricOptions
    k: float  # mm per canvas px
    root: str
    notes: list[str]
    approximations: list[tuple[str, str]]  # (field, what was drawn instead)
    layer_origin: list[str]  # layer index -> Fabric object path
    n_assets: int
    left_out: list[str]  # objects parked beyond the model's range, off the page
    text_lines: dict[str, tuple[str, ...]]
    force_svg: int  # > 0 while translating a group composited as one svg: no native layers
    engine: Engine | None  # draws what is flattened (.flatten)
    template: Template | None
    contexts: list[int]  # where each open compositing context (the canvas, cached groups) starts in its layers

    def origin_of(self, field: str | None) -> str: ...

    def add(self, layers: list[dict[str, Any]], layer: dict[str, Any], where: str) -> None: ...

    def svg_layer(self, bounds: Bounds, defs: str, body: str, opacity: float) -> dict[str, Any]: ...

    def off_page(self, box: dict[str, Any], where: str) -> bool: ...
    def within_range(self, box: dict[str, Any]) -> bool: ...
    def keeps(self, layer: dict[str, Any]) -> bool: ...
    def area_mm(self) -> tuple[float, float, float, float] | None: ...
    def beyond_range(self, m: Matrix, obj: Mapping[str, Any], where: str) -> bool: ...

    def object(
        self,
        obj: Any,
        where: str,
        parent: Matrix,
        parent_opacity: float,
        layers: list[dict[str, Any]],
        in_group: bool = False,
        clips: tuple[Clip, ...] = (),
    ) -> None: ...

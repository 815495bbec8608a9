"""A pydantic model's validation of plain JSON data without building its schema, or ``None`` (issue 22).

A fresh ``render-engine render`` spent ~90 ms of its main thread's CPU on pydantic schema builds (``Design``
~33, ``Settings`` ~21, ``Template`` ~12, the class-level default instances' ``Stroke``, ``FontRef``,
``DesignMeta`` ~15, the plugin loader the first build imports) to validate one small design and one template
file once. :func:`fast_validate` reads the same model definitions — each field's evaluated annotation and
constraint metadata, defaults, field and model validators — and validates the data by them, building the
instance with ``model_construct`` and running the model's own validator functions on it.

It is a fast path, never a second source of truth: it only **accepts**. On anything it does not fully
understand — an input type pydantic would coerce (``"12"`` for a number, ``1.0`` for an int, a list for a
set), an unknown constraint, annotation, config key or validator mode, an alias, a union whose member it
cannot pick by the input's type alone, a validator that raises — it returns ``None`` and the caller runs
pydantic, whose error messages are the only ones there are. What it accepts, pydantic accepts with an equal
result (same ``model_dump``, same ``model_fields_set``): ``tests/model/test_fast_validate.py`` checks that for
every bundled example, template and Fabric corpus design and for mutated designs.

Callers use it only while the model's own validator is not built yet (:func:`validate`): in a long-lived
process, pydantic's compiled validator is faster than this interpreter.
"""

from __future__ import annotations

import copy
import math
import operator
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, TypeVar

import annotated_types as at
from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Tag
from pydantic.fields import FieldInfo

M = TypeVar("M", bound=BaseModel)


class _Defer(Exception):
    """Not understood or not valid: pydantic decides."""


#: The model config keys whose meaning this module knows (a model with any other key is left to pydantic).
_CONFIG = frozenset({"extra", "frozen", "allow_inf_nan", "defer_build", "title"})
_BOUNDS = {at.Ge: ("ge", operator.ge), at.Gt: ("gt", operator.gt), at.Le: ("le", operator.le),
           at.Lt: ("lt", operator.lt)}  # fmt: skip


#: validations of one model class the fast path serves in a process before pydantic builds the class's own
#: validator: a cold command needs one or two; a long-lived process soon runs pydantic's, ~10x faster per value
FAST_CALLS = 8
_calls: dict[type[BaseModel], int] = {}


def validate(cls: type[M], data: Any, *, fast: bool = True) -> M:
    """``cls.model_validate(data)``, through :func:`fast_validate` while ``cls``'s validator is not built (for
    its first :data:`FAST_CALLS` validations; ``fast=False``: pydantic, e.g. for large data)."""
    if fast and not cls.__pydantic_complete__ and _calls.get(cls, 0) < FAST_CALLS:
        _calls[cls] = _calls.get(cls, 0) + 1
        made = fast_validate(cls, data)
        if made is not None:
            return made
    return cls.model_validate(data)


def construct(cls: type[M], **values: Any) -> M:
    """``cls(**values)`` (a class-level default instance, default settings) without building ``cls``'s validator
    when the fast path accepts ``values``. For models whose ``after`` validators return ``self`` (``__init__``
    drops any other return value, ``model_validate`` keeps it)."""
    made = fast_validate(cls, values) if not cls.__pydantic_complete__ else None
    if made is None:
        return cls(**values)
    _UNBUILT.add(cls)
    return made


#: classes :func:`construct` made instances of without building them (see :func:`complete_models`)
_UNBUILT: set[type[BaseModel]] = set()


def complete_models() -> None:
    """Build every class :func:`construct` left unbuilt: pydantic encodes a field's default instance in a JSON
    Schema with that instance's own class serializer (``pydantic_core.to_jsonable_python``), which an unbuilt
    class does not have yet."""
    while _UNBUILT:
        _UNBUILT.pop().model_rebuild()


class DefaultsModel(BaseModel):
    """The base of models whose fields' defaults :func:`construct` may make: whichever way a JSON Schema of one
    is generated (``model_json_schema``, FastAPI's OpenAPI document, a ``TypeAdapter``), the classes of those
    defaults are built first (:func:`complete_models`)."""

    model_config = ConfigDict(defer_build=True)  # no build of its own either

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any, /) -> Any:
        complete_models()
        return handler(core_schema)


def fast_validate(cls: type[M], data: Any) -> M | None:
    """``cls.model_validate(data)`` for data this module fully understands, else ``None`` (call pydantic)."""
    try:
        return _model(cls, data)
    except Exception:  # _Defer, or anything unforeseen (a RecursionError): pydantic decides
        return None


@cache
def _plan(cls: type[BaseModel]) -> tuple[tuple[tuple[str, FieldInfo, Callable[[Any], Any] | None, bool], ...],
                                         Callable[[Any], Any] | None, tuple[Callable[[Any], Any], ...]]:  # fmt: skip
    """Per field (name, info, its one field validator or None, whether that runs before the type); the model's
    one ``before`` validator or None; its ``after`` validators in the order pydantic runs them. Raises
    :class:`_Defer` for a model this module cannot validate."""
    from pydantic._internal._decorators import inspect_validator

    config = cls.model_config
    if not set(config) <= _CONFIG or config.get("extra") != "forbid" or cls.__pydantic_root_model__:
        raise _Defer
    if not getattr(cls, "__pydantic_fields_complete__", True):
        raise _Defer
    decorators = cls.__pydantic_decorators__
    if decorators.validators or decorators.root_validators:
        raise _Defer
    by_field: dict[str, list[Any]] = {}
    for dec in decorators.field_validators.values():
        if dec.info.mode not in ("before", "after") or inspect_validator(dec.func, mode=dec.info.mode, type="field"):
            raise _Defer
        for name in dec.info.fields:
            by_field.setdefault(name, []).append(dec)
    fields = []
    for name, info in cls.__pydantic_fields__.items():
        if info.alias is not None or info.validation_alias is not None or info.validate_default:
            raise _Defer
        if info.default_factory is not None and info.default_factory_takes_validated_data:
            raise _Defer  # (inspects the factory's signature: once here, not per value)
        decs = by_field.pop(name, [])
        if len(decs) > 1:
            raise _Defer
        fields.append((name, info, decs[0].func if decs else None, bool(decs) and decs[0].info.mode == "before"))
    if by_field:
        raise _Defer
    before: Callable[[Any], Any] | None = None
    after = []
    for dec in decorators.model_validators.values():  # type: ignore[assignment]
        mode = dec.info.mode
        if mode not in ("before", "after") or inspect_validator(dec.func, mode=mode, type="model"):
            raise _Defer
        if mode == "after":
            after.append(dec.func)
        elif before is not None:
            raise _Defer
        else:
            before = dec.func
    return tuple(fields), before, tuple(after)


def _model(cls: type[BaseModel], data: Any) -> Any:
    if type(data) is cls:
        return data  # revalidate_instances='never': pydantic returns an instance as it is
    if type(data) is not dict:
        raise _Defer
    fields, before, after = _plan(cls)
    if before is not None:
        try:
            data = before(data)
        except Exception:
            raise _Defer from None
        if type(data) is not dict:
            raise _Defer
    known = cls.__pydantic_fields__
    for key in data:
        if type(key) is not str or key not in known:
            raise _Defer  # extra="forbid": pydantic names it
    values: dict[str, Any] = {}
    for name, info, validator, runs_before in fields:
        if name in data:
            value = data[name]
            try:
                if validator is not None and runs_before:
                    value = validator(value)
                value = _value(info.annotation, info.metadata, value, info.discriminator)
                if validator is not None and not runs_before:
                    value = validator(value)
            except _Defer:
                raise
            except Exception:
                raise _Defer from None
            values[name] = value
        elif info.default_factory is not None:
            values[name] = info.default_factory()  # type: ignore[call-arg]
        elif info.is_required():
            raise _Defer
        else:
            values[name] = _default(info.default)
    made = cls.model_construct(set(data), **values)
    for func in after:
        try:
            made = func(made)
        except Exception:
            raise _Defer from None
    return made


def _default(value: Any) -> Any:
    """A field's default as pydantic-core hands it out: shared when hashable, else a deep copy."""
    try:
        hash(value)
    except TypeError:
        return copy.deepcopy(value)
    return value


def _flatten(tp: Any, metadata: list[Any], discriminator: Any) -> tuple[Any, list[Any], Any]:
    """``Annotated[...]`` layers (and the constraints of ``Field(...)`` inside them) into one metadata list."""
    while typing.get_origin(tp) is typing.Annotated:
        inner, *extra = typing.get_args(tp)
        more: list[Any] = []
        for m in extra:
            if isinstance(m, FieldInfo):
                more.extend(m.metadata)
                if m.discriminator is not None:
                    discriminator = m.discriminator
                if m.alias is not None or m.validation_alias is not None:
                    raise _Defer
            else:
                more.append(m)
        tp, metadata = inner, [*more, *metadata]  # outer metadata applies after the inner's
    return tp, metadata, discriminator


def _value(tp: Any, metadata: list[Any], v: Any, discriminator: Any = None) -> Any:
    tp, metadata, discriminator = _flatten(tp, list(metadata), discriminator)
    bounds: list[tuple[Any, Any]] = []
    min_len = max_len = None
    pattern = None
    befores: list[Callable[[Any], Any]] = []
    plain = None
    for m in metadata:
        kind = type(m)
        if kind in _BOUNDS:
            bounds.append((kind, getattr(m, _BOUNDS[kind][0])))
        elif kind is at.MinLen:
            min_len = m.min_length
        elif kind is at.MaxLen:
            max_len = m.max_length
        elif kind.__name__ == "_PydanticGeneralMetadata" and set(vars(m)) == {"pattern"}:
            pattern = m.pattern
        elif kind is BeforeValidator and not _takes_info(m.func):
            befores.append(m.func)
        elif isinstance(m, type) and callable(getattr(m, "plain_validator", None)):
            plain = getattr(m, "plain_validator")  # noqa: B009  a marker type whose core schema is exactly this plain validator
        elif kind is Discriminator and discriminator is None:
            discriminator = m
        elif kind is Tag:
            pass  # read by the union that holds this member
        else:
            raise _Defer
    for func in reversed(befores):  # the last one wraps the others: it runs first
        v = func(v)
    if plain is not None:
        if bounds or min_len is not None or max_len is not None or pattern is not None:
            raise _Defer
        return plain(v)
    out = _typed(tp, v, discriminator)
    if out is None:
        return None  # an optional field's null: its constraints are the value's
    if bounds:
        if type(out) not in (int, float):
            raise _Defer
        for kind, limit in bounds:
            if type(limit) not in (int, float) or not _BOUNDS[kind][1](out, limit):
                raise _Defer
    if min_len is not None or max_len is not None:
        if type(out) not in (str, list, tuple, dict):
            raise _Defer
        if (min_len is not None and len(out) < min_len) or (max_len is not None and len(out) > max_len):
            raise _Defer
    if pattern is not None and (type(out) is not str or not _pattern_ok(pattern, out)):
        raise _Defer
    return out


@cache
def _takes_info(func: Callable[..., Any]) -> bool:
    from pydantic._internal._decorators import inspect_validator

    return inspect_validator(func, mode="before", type="field")


@cache
def _pattern_validator(pattern: str) -> Any:
    """pydantic-core's own string validator for ``pattern`` (its regex engine, not Python's ``re``)."""
    from pydantic_core import SchemaValidator, core_schema

    return SchemaValidator(core_schema.str_schema(pattern=pattern))


def _pattern_ok(pattern: str, s: str) -> bool:
    try:
        _pattern_validator(pattern).validate_python(s)
    except Exception:
        return False
    return True


def _typed(tp: Any, v: Any, discriminator: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return _union(typing.get_args(tp), v, discriminator)
    if discriminator is not None:
        raise _Defer
    if tp is Any:
        return v  # pydantic keeps the object itself
    if tp is float:
        if type(v) is int:
            try:
                v = float(v)
            except OverflowError:
                raise _Defer from None
        if type(v) is not float or not math.isfinite(v):
            raise _Defer
        return v
    if tp is int:
        if type(v) is not int:
            raise _Defer
        return v
    if tp is bool:
        if type(v) is not bool:
            raise _Defer
        return v
    if tp is str:
        if type(v) is not str or not _plain_text(v):
            raise _Defer
        return v
    if tp is type(None):
        if v is not None:
            raise _Defer
        return None
    if origin is Literal:
        for option in typing.get_args(tp):
            if type(option) is type(v) and option == v and type(v) in (str, int):
                return option
        raise _Defer
    if origin is list:
        (item,) = typing.get_args(tp)
        if type(v) is not list:
            raise _Defer
        return [_value(item, [], x) for x in v]
    if origin is tuple:
        args = typing.get_args(tp)
        if type(v) not in (list, tuple):
            raise _Defer
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], [], x) for x in v)
        if len(args) != len(v) or not args:
            raise _Defer
        return tuple(_value(a, [], x) for a, x in zip(args, v, strict=True))
    if origin is dict:
        key_type, value_type = typing.get_args(tp)
        if type(v) is not dict:
            raise _Defer
        return {_value(key_type, [], k): _value(value_type, [], x) for k, x in v.items()}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _model(tp, v)
    raise _Defer


def _plain_text(s: str) -> bool:
    """No lone surrogates (pydantic-core's strings are UTF-8)."""
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _union(members: tuple[Any, ...], v: Any, discriminator: Any) -> Any:
    if v is None:
        if type(None) in members:
            return None
        raise _Defer
    members = tuple(m for m in members if m is not type(None))
    if discriminator is not None:
        return _tagged(members, v, discriminator)
    if len(members) == 1:
        return _value(members[0], [], v)
    # smart mode: only when exactly one member can take the input's type at all does it pick that member
    takers = [m for m in members if _takes(m, v)]
    if len(takers) != 1:
        raise _Defer
    return _value(takers[0], [], v)


def _takes(member: Any, v: Any) -> bool:
    """Whether ``member`` could accept ``v``'s type in pydantic's lax mode (models take dicts, literals and
    strings take strings); raises :class:`_Defer` for a member type this module does not classify."""
    tp, metadata, _ = _flatten(member, [], None)
    if metadata:
        raise _Defer
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return type(v) is dict or type(v) is tp
    if typing.get_origin(tp) is Literal and all(type(o) is str for o in typing.get_args(tp)):
        return type(v) is str
    raise _Defer


def _tagged(members: tuple[Any, ...], v: Any, discriminator: Any) -> Any:
    if isinstance(discriminator, str):
        if type(v) is not dict or type(v.get(discriminator)) is not str:
            raise _Defer
        tag = v[discriminator]
        for member in members:
            tp, metadata, _ = _flatten(member, [], None)
            if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
                raise _Defer
            field = tp.__pydantic_fields__.get(discriminator)
            if field is None or typing.get_origin(field.annotation) is not Literal:
                raise _Defer
            if tag in typing.get_args(field.annotation):
                return _value(member, [], v)
        raise _Defer
    if type(discriminator) is not Discriminator or not callable(discriminator.discriminator):
        raise _Defer
    try:
        tag = discriminator.discriminator(v)
    except Exception:
        raise _Defer from None
    for member in members:
        _tp, metadata, _ = _flatten(member, [], None)
        if any(type(m) is Tag and m.tag == tag for m in metadata):
            return _value(member, [], v)
    raise _Defer

"""``StrictModel``: the base of every config model, a backend's and every section of a run's.

In ``contract/`` because a backend's config is built on it (``contract/backend_config.py``);
``orchestrator/config/`` builds the run's other sections on it too (design §1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails

from orchestrator.contract.bounds import NumberRefused, number_checker

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    """Base of every config model: unknown keys, NaN and infinities are errors; every number
    field, however it was written, keeps the bounds of ``orchestrator.contract.bounds`` (a
    quoted number or a boolean is refused there, ``-0.0`` becomes ``0.0``).

    ``defer_build``: a model's validator is built on its first use, not when its module is
    imported, so a process builds only the models it validates with (``qnf validate`` of a
    config: the run's model of the two backends it names; docs/design.md §25)."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, validate_default=True, defer_build=True
    )

    OMITTED_AT: ClassVar[Mapping[str, Any]] = {}
    """Fields left out of the serialized config while they hold the value given here (of its
    exact type): options added after configs were first stored and hashed, so that a config
    that does not choose one hashes as it did before the option existed."""

    @model_serializer(mode="wrap")
    def _omit_unchosen(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name, value in self.OMITTED_AT.items():
                if name in data and type(data[name]) is type(value) and data[name] == value:
                    del data[name]
        return data

    @model_validator(mode="before")
    @classmethod
    def _number_bounds(cls, data: Any) -> Any:
        # a model validator, not a field one: pydantic refuses "before" validators on the
        # discriminator fields a wildcard would include. Runs after a subclass's own "before"
        # validators, so values they fill in (from a NIR graph) are checked too.
        if not isinstance(data, Mapping):
            return data
        out: dict[str, Any] | None = None
        refused: list[InitErrorDetails] = []
        for name, value in data.items():
            field = cls.model_fields.get(name) if isinstance(name, str) else None
            check = None if field is None else number_checker(field.annotation)
            if check is None:
                continue
            try:
                new = check(value)
            except NumberRefused as exc:
                refused.append(
                    InitErrorDetails(
                        type="value_error",
                        loc=(name, *exc.loc),
                        input=exc.value,
                        ctx={"error": exc.message},
                    )
                )
                continue
            if new is not value:
                out = dict(data) if out is None else out
                out[name] = new
        if refused:
            raise ValidationError.from_exception_data(cls.__name__, refused)
        return data if out is None else out

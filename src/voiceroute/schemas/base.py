"""The base of every wire model, and the helper that declares a field's wire names."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from voiceroute.errors import ValidationFailed

EXTENSION = "x-voiceroute-extension"


# Printable ASCII without spaces: what IDs (CRID-..., DID-...) and query keys may contain.
IDENTIFIER_PATTERN = r"^[\x21-\x7e]+$"


class WireModel(BaseModel):
    """Strict about keys: an unknown key is an error that names it, never silently dropped.

    No string anywhere in a body may hold a NUL: no field has a use for it, and PostgreSQL
    cannot store one.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        frozen=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        path = _nul_path(data, "$")
        if path is not None:
            raise ValidationFailed.single(path, "must not contain the NUL character (\\u0000)")
        return data


def _nul_path(value: Any, path: str) -> str | None:
    """The JSON path of the first string (key or value) holding a NUL, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_path(key, path) or _nul_path(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def wire(
    name: str,
    default: Any = None,
    *,
    also: tuple[str, ...] = (),
    answer: str | None = None,
    extension: bool = False,
    **kwargs: Any,
) -> Any:
    """A field known on the wire as ``name`` (and the other spellings in ``also``).

    ``answer`` is the spelling used in answers when it differs from the request spelling
    (``IpWhitelist`` in, ``IpWhiteList`` out). ``extension`` marks a field the vendor API
    does not have, in the OpenAPI document.
    """
    extra: dict[str, Any] = {EXTENSION: True} if extension else {}
    if also:
        extra["x-also-accepted-as"] = list(also)
    return Field(
        default,
        validation_alias=AliasChoices(name, *also) if also else name,
        serialization_alias=answer or name,
        json_schema_extra=extra or None,
        **kwargs,
    )


def request_name(model: type[BaseModel], field: str) -> str:
    """The first wire spelling of a Python field name, as error keys show it."""
    alias = model.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        return first if isinstance(first, str) else field
    return alias if isinstance(alias, str) else field

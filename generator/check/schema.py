"""Schema stage: JSON Schema 2020-12 validation of loaded documents, every error a located finding.

Validation runs on jsonschema-rs (all errors, formats checked). Each error is turned into a
plain-words message built from the schema's own titles, descriptions, examples and allowed
values, at the line and column of the value (or of the key, or of the parent mapping).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from generator.check.document import ITEM_WORDS, Document, escape_pointer_token, plain_location
from generator.check.yaml_events import read_plain_scalar
from generator.errors import CertgenError
from generator.findings import Code, Finding, Severity, shown


def _code(code: str, name: str, doc: str) -> Code:
    return Code(code, name, Severity.ERROR, "schema", doc)


CODES = {
    c.code: c
    for c in (
        _code(
            "S001",
            "wrong_type",
            """A value has the wrong type (text, number, true/false, list, mapping).

The schema says which type each field takes. A frequent cause is YAML reading a value
that was meant as text as something else: an operation ID or tariff code written without
quotes is read as a number, an empty value as nothing.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: give the value the type named in the message; put codes and IDs in quotes.""",
        ),
        _code(
            "S002",
            "missing_field",
            """A required field is missing.

The finding points at the mapping that should hold the field. Some fields are required
only in some cases (a departure date for a single-shipment import, an issuance for an
issued record); the message says why.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: add the field to that mapping, with a value like the example given.""",
        ),
        _code(
            "S003",
            "unknown_field",
            """A field name is not one the schema knows.

Unknown fields are refused so that a typo (``exportr:``) never hides a missing field.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: correct the spelling (the message suggests the closest known field) or remove it.""",
        ),
        _code(
            "S004",
            "value_not_allowed",
            """A value is not one of the allowed values.

Fields such as ``kind``, ``status``, ``mode`` and ``category`` take one of a fixed list.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: use one of the values listed in the message.""",
        ),
        _code(
            "S005",
            "wrong_form",
            """A value does not have the expected form.

IDs, codes and user names follow a fixed pattern (a 10-digit operation ID, a request ID
such as IC-2026-0001).

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: write the value like the example in the message.""",
        ),
        _code(
            "S006",
            "invalid_date_or_format",
            """A date, date and time, or email address is not valid.

Dates are written YYYY-MM-DD and must exist (2026-02-30 does not); times carry their UTC
offset, as in 2026-01-12T09:30:00-08:00.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: write the value in the form shown in the message.""",
        ),
        _code(
            "S007",
            "out_of_range",
            """A number is outside the range the field allows.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: give a number within the range stated in the message.""",
        ),
        _code(
            "S008",
            "wrong_length",
            """A text is empty or longer than the field allows.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: fill in the text, or shorten it to the limit stated in the message.""",
        ),
        _code(
            "S009",
            "wrong_list",
            """A list has too few or too many items, or repeats an item.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: add or remove items as the message says; list each item once.""",
        ),
        _code(
            "S010",
            "field_not_allowed_here",
            """A field is present that is not allowed in this case.

Some fields belong to one case only: a validity period to time-frame imports, an issuance
to records that were issued. The message says which case applies.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: remove the field, or change the field that decides the case (mode, status).""",
        ),
        _code(
            "S011",
            "schema_violation",
            """The file does not match the schema in another way.

Source: certgen: the request and data formats (schemas/request.schema.json, schemas/data/).

Fix: read the message and the field's description in the format reference.""",
        ),
    )
}

_KIND_CODES = {
    "type": "S001",
    "required": "S002",
    "additionalProperties": "S003",
    "propertyNames": "S003",
    "enum": "S004",
    "const": "S004",
    "pattern": "S005",
    "format": "S006",
    "minimum": "S007",
    "maximum": "S007",
    "exclusiveMinimum": "S007",
    "exclusiveMaximum": "S007",
    "minLength": "S008",
    "maxLength": "S008",
    "minItems": "S009",
    "maxItems": "S009",
    "uniqueItems": "S009",
    "falseSchema": "S010",
}
_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping of fields",
    "array": "a list (lines starting with '- ')",
    "null": "empty",
}
_FORMAT_WORDS = {
    "date": "a date written YYYY-MM-DD that exists, for example 2026-01-20",
    "date-time": "a date and time with UTC offset, for example 2026-01-12T09:30:00-08:00",
    "email": "an email address, for example name@example.org",
    "uri": "a web address starting with https://",
    "regex": "a valid regular expression",
}
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


@dataclass(frozen=True)
class Schema:
    name: str
    document: dict[str, Any]
    validator: Any

    def at(self, path: list[str | int]) -> dict[str, Any]:
        node: Any = self.document
        for step in path:
            node = node[step]
        return node if isinstance(node, dict) else {}


def load_schema(path: Path) -> Schema:
    """Compile one schema file; a broken schema is a setup error, not a finding."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        validator = jsonschema_rs.validator_for(document, validate_formats=True)
    except (OSError, ValueError) as error:
        raise CertgenError(f"cannot use schema {path}: {error}") from error
    return Schema(path.name, document, validator)


def validate(doc: Document, schema: Schema) -> list[Finding]:
    """The located findings of ``doc`` against ``schema``. A field whose name is misspelt is
    unknown under its name and missing under the right one: one finding, the rename."""
    if schema.validator.is_valid(doc.data):
        return []
    errors = list(schema.validator.iter_errors(doc.data))
    renamed = {
        (_pointer(e.instance_path), close)
        for e in errors
        if e.kind.name == "additionalProperties"
        for key in e.kind.as_dict()["unexpected"]
        if (close := _suggestion(key, _allowed(schema, e)))
    }
    findings: list[Finding] = []
    seen_values: set[str] = set()
    for error in errors:
        pointer = _pointer(error.instance_path)
        code = _KIND_CODES.get(error.kind.name, "S011")
        if code == "S002" and (pointer, error.kind.as_dict()["property"]) in renamed:
            continue
        if code not in ("S002", "S003"):
            if pointer in seen_values:
                continue
            seen_values.add(pointer)
        findings.extend(_findings_for(error, code, pointer, doc, schema))
    return findings


def _allowed(schema: Schema, error: Any) -> list[str]:
    """The fields the schema allows where ``error`` found an unknown one."""
    return list(schema.at(error.schema_path[:-1]).get("properties", {}))


def _pointer(path: list[str | int]) -> str:
    return "".join(f"/{escape_pointer_token(str(step))}" for step in path)


def _findings_for(
    error: Any, code: str, pointer: str, doc: Document, schema: Schema
) -> list[Finding]:
    kind = error.kind.name
    details = error.kind.as_dict()
    if kind == "additionalProperties":
        return [_unknown_field(doc, schema, error, pointer, key) for key in details["unexpected"]]
    if kind == "propertyNames":
        key = details["error"].instance
        message = f"field name {shown(key)} is not valid here: use lowercase letters, digits and _"
        return [_make(doc, f"{pointer}/{escape_pointer_token(key)}", code, message, key=True)]
    if kind == "required":
        return [_missing_field(doc, schema, error, pointer, details["property"])]
    if kind == "falseSchema":
        name = pointer.rsplit("/", 1)[-1]
        message = f"field '{name}' is not allowed here{_because(schema, error)}; remove it"
        return [_make(doc, pointer, code, message, key=True)]
    return [_make(doc, pointer, code, _value_message(kind, details, error, pointer, doc, schema))]


def _make(doc: Document, pointer: str, code: str, message: str, key: bool = False) -> Finding:
    line, column = doc.locate_key(pointer) if key else doc.locate(pointer)
    return Finding(doc.path, line, column, code, Severity.ERROR, message, pointer)


def _unknown_field(doc: Document, schema: Schema, error: Any, pointer: str, key: str) -> Finding:
    allowed = _allowed(schema, error)
    message = f"unknown field {shown(key)}"
    close = _suggestion(key, allowed)
    if close:
        message += f"; did you mean '{close}'? Rename it (its value stays)"
    elif allowed:
        message += f"; the fields allowed here are: {', '.join(allowed)}"
    return _make(doc, f"{pointer}/{escape_pointer_token(key)}", "S003", message, key=True)


def _missing_field(doc: Document, schema: Schema, error: Any, pointer: str, name: str) -> Finding:
    prop = _property_schema(schema, error.schema_path[:-1], name)
    title = prop.get("title")
    message = f"missing required field '{name}'"
    if title:
        message += f" ({title})"
    message += _because(schema, error)
    example = _example(schema, prop)
    if prop.get("type") == "boolean":  # an attestation: only the exporter can answer it
        message += f"; add '{name}:' with the answer the exporter confirms (true or false)"
    elif str(prop.get("$ref", "")).endswith("/date") or prop.get("format") == "date":
        message += f"; add '{name}: YYYY-MM-DD' with the real date"
    elif example is not None and _shaped(schema, prop):
        message += f"; add '{name}: {example}' (in that form)"
    else:
        message += f"; add '{name}:' with its value"
    where = "at the top of the file" if pointer == "" else f"in {_field_name(pointer)}"
    return _make(doc, pointer, "S002", f"{message} {where}")


def _property_schema(schema: Schema, path: list[str | int], name: str) -> dict[str, Any]:
    """The schema of property ``name``: from the nearest enclosing subschema that declares it,
    else (for requirements added by if/then clauses) the first declaration in the schema."""
    for end in range(len(path), -1, -1):
        properties = schema.at(path[:end]).get("properties", {})
        if name in properties and properties[name] is not False:
            return dict(properties[name])
    return _first_declaration(schema.document, name) or {}


def _first_declaration(node: Any, name: str) -> dict[str, Any] | None:
    if isinstance(node, dict):
        declared = node.get("properties", {}).get(name)
        if isinstance(declared, dict) and "title" in declared:
            return declared
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _first_declaration(child, name)
        if found:
            return found
    return None


def _shaped(schema: Schema, prop: dict[str, Any]) -> bool:
    """Whether the field's value has a fixed form (a pattern or format: an ID, a code), whose
    example shows the form; a free value's example (a product's name, a lot number) would be
    copied as if it were the answer."""
    declared = _resolve(schema, prop["$ref"]) if "$ref" in prop else prop
    return any(key in declared for key in ("pattern", "format")) or any(
        key in prop for key in ("pattern", "format")
    )


def _example(schema: Schema, prop: dict[str, Any]) -> object | None:
    examples = prop.get("examples")
    if not examples and "$ref" in prop:
        examples = _resolve(schema, prop["$ref"]).get("examples")
    if not examples:
        return "true" if prop.get("type") == "boolean" else None
    value = examples[0]
    return json.dumps(value) if isinstance(value, str) and _needs_quotes(value) else value


def _needs_quotes(text: str) -> bool:
    return not isinstance(read_plain_scalar(text), str)


def _resolve(schema: Schema, ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        return {}
    return schema.at(list(ref[2:].split("/")))


def _because(schema: Schema, error: Any) -> str:
    path = list(error.schema_path)
    for index in range(len(path) - 1, -1, -1):
        if path[index] in ("then", "else"):
            reason = schema.at(path[:index]).get("description")
            return f" ({reason})" if reason else ""
    return ""


def _field_name(pointer: str) -> str:
    """How a message names the value at ``pointer``: 'tariff_code' of product 1, lot 2 of
    product 1."""
    return plain_location(pointer) if pointer else "the file"


def _last_key(pointer: str) -> str:
    return pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def _value_message(
    kind: str, details: dict[str, Any], error: Any, pointer: str, doc: Document, schema: Schema
) -> str:
    value = error.instance
    field = _field_name(pointer)
    subschema = schema.at(error.schema_path[:-1])
    if kind == "type":
        return _type_message(field, details["types"], value, doc.plain_scalars.get(pointer))
    if kind == "enum":
        guess = _last_key(pointer) not in NO_GUESS
        return _choice_message(field, value, details["options"], guess)
    if kind == "const":
        return _choice_message(field, value, [details["expected_value"]])
    if kind == "pattern":
        return _pattern_message(field, value, subschema)
    if kind == "format":
        wanted = _FORMAT_WORDS.get(details["format"], f"a valid {details['format']}")
        return f"{field} must be {wanted}, not {shown(value)}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _range_message(field, kind, details["limit"], value)
    if kind == "minLength":
        return f"{field} must not be empty" if details["limit"] == 1 else f"{field} is too short"
    if kind == "maxLength":
        return f"{field} is longer than {details['limit']} characters; shorten it"
    if kind == "minItems":
        noun = ITEM_WORDS.get(_last_key(pointer))
        if noun and details["limit"] == 1:
            return f"{field} lists no {noun}: add at least one"
        return f"{field} needs at least {details['limit']} item(s)"
    if kind == "maxItems":
        return f"{field} has more than {details['limit']} items; split the request"
    if kind == "uniqueItems":
        return f"{field} lists the same item more than once; list each item once"
    return f"{field}: {error.message}"


def _type_message(field: str, types: list[str], value: object, source: str | None) -> str:
    wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    if source is not None and "string" in types:
        if source == "":
            return f"{field} is empty; give it a value ({wanted})"
        return (
            f"{field} must be text, but YAML reads {source} as {_TYPE_WORDS[_json_type(value)]}; "
            f'put it in quotes: "{source}"'
        )
    if "boolean" in types and isinstance(value, str) and value.lower() in _YAML11_BOOLEANS:
        return f"{field} must be true or false; {shown(value)} is text here: write true or false"
    if value is None:
        return f"{field} is empty; give it a value ({wanted})"
    return f"{field} must be {wanted}, not {shown(value)} ({_TYPE_WORDS[_json_type(value)]})"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


NO_GUESS = {"claim"}
"""Choices no message guesses between: "organic" and "100 percent organic" are different
label claims (7 CFR 205.301), so a typo in one must not be turned into the other."""


def _choice_message(field: str, value: object, options: list[Any], guess: bool = True) -> str:
    names = [str(option) for option in options]
    message = f"{field} cannot be {shown(value)}"
    if len(names) == 1:
        return f"{message}; it must be '{names[0]}'"
    close = _suggestion(str(value), names) if guess else None
    if close:
        message += f"; did you mean '{close}'? Allowed"
    else:
        message += "; use one"
    return f"{message} of: {', '.join(names)}" if not close else f"{message}: {', '.join(names)}"


SIMILAR = 0.75
"""How alike a value and an allowed one must be for a "did you mean": a typo ("organc",
"standrd") is, another word that shares letters ("fresh_produce", "livestock_product") is not."""


def _suggestion(value: str, options: list[str]) -> str | None:
    """The allowed value the user most likely meant: a close spelling, or one that the value
    begins (``made_with`` for ``made_with_organic``); None when nothing is close."""
    close = difflib.get_close_matches(value, options, n=1, cutoff=SIMILAR)
    if close:
        return close[0]
    started = [o for o in options if len(value) >= 4 and o.startswith(value)]
    return started[0] if len(started) == 1 else None


def _pattern_message(field: str, value: object, subschema: dict[str, Any]) -> str:
    title = subschema.get("title", "value")
    message = f"{field} {shown(value)} is not a valid {title.lower()}"
    examples = subschema.get("examples")
    if examples:
        message += f"; for example {examples[0]}"
    return message


def _range_message(field: str, kind: str, limit: object, value: object) -> str:
    words = {
        "minimum": f"at least {limit}",
        "maximum": f"at most {limit}",
        "exclusiveMinimum": f"more than {limit}",
        "exclusiveMaximum": f"less than {limit}",
    }
    return f"{field} must be {words[kind]}, not {shown(value)}"

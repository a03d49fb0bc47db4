"""Which traces of a restored function a consumer's documented call reaches, without TensorFlow.

``tf.saved_model.load`` gives ``__call__`` back as a ``RestoredFunction``: a call binds its
arguments to the saved ``FullArgSpec`` (filling in the defaults), then runs the first saved
concrete function whose input signature accepts them, trying every trace without converting
Python values first and then with ``ops.convert_to_tensor`` (TensorFlow's
``function_deserialization.recreate_function`` and ``_concrete_function_callable_with``).
The spec's consumers write ``obj(images)``, and ``obj(images, training=...)`` when the model
takes ``training``; a trace no such call can reach (an optional hyperparameter set to another
value than its default, as ``return_endpoints=True``) is not part of the contract.

Values here are the plain JSON of ``tensors.structured_value``; the images a consumer passes
stand for any tensor of the traced dtype and shape (their dtype and shape are the input rules'
business).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from speclint.vocabulary import Json

IMAGES = "images"  # how reports name the first positional argument of a documented call
INTEGER_DTYPES = frozenset({"DT_INT8", "DT_INT16", "DT_INT32", "DT_INT64", "DT_UINT8", "DT_UINT16"})
FLOAT_DTYPES = frozenset({"DT_HALF", "DT_BFLOAT16", "DT_FLOAT", "DT_DOUBLE"})


class ArgSpec(NamedTuple):
    """The saved ``inspect.getfullargspec`` of a function, ``self`` removed."""

    args: list[str]
    defaults: dict[str, Json]  # parameter -> default value, for those that have one
    kwonly: list[str]
    varargs: bool
    known: bool  # False when the function saved no FullArgSpec (a bare concrete function)


class Call(NamedTuple):
    """One documented call: its words and the value it gives ``training`` (None: not passed)."""

    text: str
    training: bool | None


class _Images:
    """The consumer's image batch: a tensor that any traced tensor argument accepts."""


_IMAGES = _Images()
_MISSING = object()


def documented_calls(spec: ArgSpec) -> list[Call]:
    """``obj(images)``, and with ``training=False``/``True`` when the function takes ``training``
    (``hub.KerasLayer`` passes it exactly then)."""
    calls = [Call(f"obj({IMAGES})", None)]
    if "training" in spec.args[1:] or "training" in spec.kwonly:
        calls += [Call(f"obj({IMAGES}, training={value})", value) for value in (False, True)]
    return calls


def bind(spec: ArgSpec, call: Call) -> tuple[list[Any], dict[str, Any]] | str:
    """The canonical (args, kwargs) TensorFlow matches traces against, or why binding fails."""
    if not spec.args and not spec.varargs:
        if not spec.known:  # no FullArgSpec saved: the images alone, as positional arguments bind
            return ([_IMAGES], {}) if call.training is None else "it takes no argument 'training'"
        return "__call__ takes no positional argument, so the images cannot be passed as obj(images)"
    values: list[Any] = [_IMAGES]
    for name in spec.args[1:]:
        value = _given(spec, name, call)
        if value is _MISSING:
            return f"its argument '{name}' has no default value"
        values.append(value)
    kwargs: dict[str, Any] = {}
    for name in spec.kwonly:
        value = _given(spec, name, call)
        if value is _MISSING:
            return f"its keyword argument '{name}' has no default value"
        kwargs[name] = value
    if call.training is not None and "training" not in spec.args[1:] and "training" not in spec.kwonly:
        return "it takes no argument 'training'"
    return values, kwargs


def _given(spec: ArgSpec, name: str, call: Call) -> Any:
    if name == "training" and call.training is not None:
        return {"kind": "bool", "value": call.training}
    return spec.defaults.get(name, _MISSING)


def reached(traces: list[Json], spec: ArgSpec, call: Call) -> tuple[list[int], str | None]:
    """Positions of the traces ``call`` can run (one per traced image dtype and shape: the first
    that accepts it, as TensorFlow picks), or none and why."""
    bound = bind(spec, call)
    if isinstance(bound, str):
        return [], bound
    args, kwargs = bound
    chosen: dict[str, int] = {}
    for convert in (False, True):
        for position, trace in enumerate(traces):
            key = repr(_images_spec(trace))
            if key not in chosen and _accepts(trace, args, kwargs, convert):
                chosen[key] = position
    if not chosen:
        return [], "no saved trace accepts it (" + ", ".join(_describe(spec, args, kwargs)) + ")"
    return sorted(chosen.values()), None


def _images_spec(trace: Json) -> Any:
    args = trace.get("args") or []
    first = args[0] if args else {}
    return (first.get("dtype"), first.get("shape"))


def _accepts(trace: Json, args: list[Any], kwargs: dict[str, Any], convert: bool) -> bool:
    """``_concrete_function_callable_with`` on the saved signature."""
    expected_args = trace.get("args")
    expected_kwargs = trace.get("kwargs") or {}
    if expected_args is None or len(expected_args) != len(args) or set(expected_kwargs) != set(kwargs):
        return False
    pairs = list(zip(expected_args, args, strict=True)) + [(expected_kwargs[k], kwargs[k]) for k in kwargs]
    return all(_matches(expected, given, convert) for expected, given in pairs)


def _matches(expected: Json, given: Any, convert: bool) -> bool:
    kind = expected.get("kind")
    if given is _IMAGES:
        return kind == "tensor"
    if kind == "tensor":
        if not convert:
            return False  # a Python value is no tensor until converted
        dtype = _converted_dtype(given, expected.get("dtype"))
        shape = expected.get("shape")
        return dtype == expected.get("dtype") and (shape is None or shape == [])
    if kind in ("type_spec", "dtype", "shape") or kind is None:
        return False  # composite values: not a value a default gives here
    return _python(expected) == _python(given)


def _converted_dtype(value: Json, hint: str | None) -> str | None:
    """The dtype ``ops.convert_to_tensor(value, dtype_hint=hint)`` gives a Python scalar, or None."""
    kind = value.get("kind")
    if kind == "bool":
        return "DT_BOOL"
    if kind == "int":
        return hint if hint in INTEGER_DTYPES | FLOAT_DTYPES else "DT_INT32"
    if kind == "float":
        return hint if hint in FLOAT_DTYPES else "DT_FLOAT"
    if kind == "string":
        return "DT_STRING"
    return None  # None, containers: convert_to_tensor refuses them or gives a non-scalar


def _python(value: Any) -> Any:
    """A saved Python value as Python compares it (``False == 0``, tuples equal lists' items)."""
    if not isinstance(value, dict):
        return value
    kind = value.get("kind")
    if kind == "none":
        return None
    if kind in ("bool", "int", "float", "string"):
        return value.get("value")
    if kind in ("list", "tuple"):
        return (kind, tuple(_python(item) for item in value.get("items") or []))
    if kind in ("dict", "named_tuple"):
        return (kind, tuple(sorted((k, repr(_python(v))) for k, v in (value.get("items") or {}).items())))
    return ("opaque", kind, id(value))  # tensors inside a default: never equal to a saved value


def _describe(spec: ArgSpec, args: list[Any], kwargs: dict[str, Any]) -> list[str]:
    names = spec.args or [IMAGES]
    words = [IMAGES] + [f"{name}={_word(value)}" for name, value in zip(names[1:], args[1:], strict=False)]
    return words + [f"{name}={_word(value)}" for name, value in kwargs.items()]


def _word(value: Any) -> str:
    python = _python(value)
    return repr(python) if not isinstance(python, tuple) else str(value.get("kind"))

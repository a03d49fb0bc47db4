"""Whether one op of the dangerous-op table touches the outside, decided from what the model proves.

An op of the table is a finding unless the model proves it harmless, from values resolved
through the data flow (``values``), never from names or shapes:

* a conditional op (``only_if`` in the table: ``PrintV2`` to a log, ``DecodeProtoV2`` with
  built-in descriptors, ``CacheDataset`` in memory, debug ops without URLs...) whose deciding
  attribute or input resolves to harmless values only; an unresolved value is outside;
* a checkpoint op of the model's own saver, built exactly as TensorFlow builds it (``saver``);
* an op that only reads (``own_asset`` in the table) a file name that resolves to the model's
  own assets, ``AssetFileDef`` files inside ``assets/``, where the loader feeds their paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from speclint.proto.messages import Message
from speclint.read.security.assets import escape_reason
from speclint.read.security.ops import SAVE_RESTORE
from speclint.read.security.reach import INIT_OP_LABEL, LOAD_COLLECTIONS, VARIABLE_COLLECTIONS
from speclint.read.security.saver import is_own_saver
from speclint.read.security.values import ASSET, LITERAL, Resolver, Values, literals, values_text

if TYPE_CHECKING:
    from speclint.read.security.graphs import GraphScan


class Exempt:
    """The op is proven harmless: no finding."""


EXEMPT = Exempt()
# Roots whose runs feed the top-level asset tensors: the init op (both loaders) and what
# ``tf.saved_model.load`` runs instead of a missing one; TF2 object functions get their assets
# from their captured inputs, which the resolver follows on their own.
ASSET_FED_LABELS = frozenset(
    {INIT_OP_LABEL, *(f"collection '{key}'" for key in (*LOAD_COLLECTIONS, *VARIABLE_COLLECTIONS))}
)
LOADER_FUNCTION_LABELS = ("object ", "restore function of ", "save function of ")


def decide(scan: GraphScan, scope: str, node: Message, rule: dict[str, Any], labels: list[str]) -> Exempt | str | None:
    """EXEMPT when the model proves the op harmless; else what it names (``values_text``), or None when unresolved."""
    resolver = scan.resolver
    only_if = rule.get("only_if")
    if only_if and harmless(resolver, scope, node, only_if):
        return EXEMPT
    context = scan.context
    own_saver = context is not None and scan.depth == 0 and rule["category"] == SAVE_RESTORE
    if own_saver and context is not None and is_own_saver(scan.graph, resolver, context, scope, node, labels):
        return EXEMPT
    values = argument(resolver, scope, node, rule.get("argument"))
    if rule.get("own_asset") and context is not None and own_asset(values, labels):
        return EXEMPT
    return values_text(values)


def harmless(resolver: Resolver, scope: str, node: Message, only_if: dict[str, Any]) -> bool:
    """Whether the deciding attribute or input resolves, every value of it, to a harmless one."""
    found: frozenset[bytes] | None
    if "attr" in only_if:
        found = resolver.attr_strings(scope, node, only_if["attr"], registry_default(only_if))
    else:
        values = resolver.input(scope, node, int(only_if["input"]))
        found = None if values is None or any(v.kind != LITERAL for v in values) else frozenset(v.data for v in values)
    if found is None:
        return False
    allowed = {value.encode() for value in only_if.get("harmless", ())}
    prefixes = tuple(value.encode() for value in only_if.get("harmless_prefixes", ()))
    return all(value in allowed or (prefixes and value.startswith(prefixes)) for value in found)


def registry_default(only_if: dict[str, Any]) -> frozenset[bytes] | None:
    """The attribute's default from the table (the registry's): a string, or a list of strings."""
    default = only_if.get("default")
    if default is None:
        return None
    return frozenset(item.encode() for item in (default if isinstance(default, list) else [default]))


def argument(resolver: Resolver, scope: str, node: Message, spec: dict[str, Any] | None) -> Values:
    """The values of the input or attribute that names the op's file or target."""
    if not spec:
        return None
    if "attr" in spec:
        strings = resolver.attr_strings(scope, node, spec["attr"], None)
        return None if strings is None else literals(strings)
    return resolver.input(scope, node, int(spec["input"]))


def own_asset(values: Values, labels: list[str]) -> bool:
    """Every value is a file under the model's ``assets/``, fed by the loader where the op runs."""
    if not values or any(value.kind != ASSET for value in values):
        return False
    if any(escape_reason(value.data.decode("utf-8", "surrogateescape")) is not None for value in values):
        return False
    if any(value.init_only for value in values):  # a top-level asset tensor holds its real path only when fed
        return all(label in ASSET_FED_LABELS or label.startswith(LOADER_FUNCTION_LABELS) for label in labels)
    return True

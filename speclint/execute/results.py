"""One probe's entry in ``facts["probes"]["results"]`` (``probes.schema.json``), built here for
the probes of ``probes.py`` and of ``keras_probes.py`` alike."""

from __future__ import annotations

from typing import Any

from speclint.vocabulary import Json


def result(status: str, summary: str, **numbers: Any) -> Json:
    """``pass``/``fail``/``skipped``/``error``, one line for the reader, and the probe's numbers."""
    return {"status": status, "summary": summary, **numbers}

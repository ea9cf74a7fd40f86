"""The providers' webhook events as they document them, for tests: one JSON file per event
type and variant under tests/fixtures/<provider>/, each read as a fresh dict, with changes
given as dotted paths, a list index being a number:

    event("stripe", "charge.refunded.with_refunds",
          **{"data.object.refunds.data.0.metadata.refund_request": "R-1"})
"""

import copy
import json
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def event(provider: str, name: str, **changes) -> dict:
    """A fresh copy of the provider's fixture `name`, with `changes` applied."""
    return changed(copy.deepcopy(_load(provider, name)), changes)


def names(provider: str) -> list[str]:
    """Every fixture's name (its file's stem), such as "checkout.session.completed.unpaid"."""
    return sorted(path.stem for path in (FIXTURES / provider).glob("*.json"))


def changed(data: dict, changes: dict) -> dict:
    """`data`, changed in place: each dotted path in `changes` set to its value."""
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[_key(node, part)]
        node[_key(node, last)] = value
    return data


def _key(node: dict | list, part: str) -> str | int:
    return int(part) if isinstance(node, list) else part


@cache
def _load(provider: str, name: str) -> dict:
    path = FIXTURES / provider / f"{name}.json"
    if not path.exists():
        raise LookupError(f"no {provider} fixture {name!r}; there are {names(provider)}")
    return json.loads(path.read_text())

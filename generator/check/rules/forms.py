"""Rules on what the forms print: values a recipient compares with its own papers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from generator.check.rules.registry import Context, Problem, each_product, rule


def _weighed(lots: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, lot) for i, lot in enumerate(lots) if isinstance(lot, dict)]


@rule("G320")
def lot_weights_given_for_every_lot(context: Context) -> Iterator[Problem]:
    """Where a product gives the weight of one lot, it gives the weight of every lot.

    A TM-11 prints one row a lot with its weight; a lot without a weight beside lots with
    one leaves that row blank and the product's lots no longer add up.

    Source: CCOF, "Exports to Taiwan subject to residue testing": the TM-11's "Marked weight
    of lot" must match the Taiwan importer's application exactly
    <https://ccof.org/news/exports-to-taiwan-subject-to-residue-testing>.

    Fix: write this lot as ``{number: ..., net_weight_kg: ...}`` like the others, or give
    every lot as a plain lot number.
    """
    for pointer, product in each_product(context):
        lots = product.get("lots", [])
        if not _weighed(lots):
            continue
        for index, lot in enumerate(lots):
            if isinstance(lot, str):
                yield Problem(
                    f"{pointer}/lots/{index}",
                    f"give the net weight of lot {lot}, as for the other lots: "
                    f"{{number: {lot}, net_weight_kg: ...}}",
                )


@rule("G321")
def lot_weights_add_up_to_net_weight(context: Context) -> Iterator[Problem]:
    """The weights of a product's lots add up to the product's net weight.

    The certificate gives the product's net weight and, for each lot, its marked weight; an
    authority that compares either with the importer's application finds the other wrong
    when they differ.

    Source: CCOF, "Exports to Taiwan subject to residue testing": the TM-11's "Marked weight
    of lot" must match the Taiwan importer's application exactly
    <https://ccof.org/news/exports-to-taiwan-subject-to-residue-testing>.

    Fix: correct the lot weights or the product's ``net_weight_kg`` so that the lots add up
    to it (the message gives both totals).
    """
    for pointer, product in each_product(context):
        lots = product.get("lots", [])
        weighed = _weighed(lots)
        if not weighed or len(weighed) != len(lots):
            continue
        total = sum((Decimal(str(lot["net_weight_kg"])) for _, lot in weighed), Decimal(0))
        net = Decimal(str(product["net_weight_kg"]))
        if total != net:
            yield Problem(
                f"{pointer}/net_weight_kg",
                f"the lots weigh {total.normalize():f} kg together, "
                f"but the net weight is {net.normalize():f} kg",
            )

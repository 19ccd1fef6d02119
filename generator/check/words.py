"""The request format's ids in words, for messages and pages."""

from __future__ import annotations

CATEGORY_WORDS = {
    "unprocessed_plant": "unprocessed plant products",
    "livestock_product": "livestock products",
    "processed_food": "processed foods",
    "feed": "feed",
    "wine": "wine",
    "alcoholic_beverage": "alcoholic beverages",
    "honey": "honey",
    "aquaculture_algae": "aquaculture and algae",
    "seed": "seed",
    "non_food": "non-food products",
}

CLAIM_WORDS = {
    "100_percent_organic": '"100 percent organic"',
    "organic": '"organic"',
    "made_with_organic": '"made with organic (specified ingredients or food groups)"',
}

ORIGIN_WORDS = {
    "produced_or_processed_in_us": (
        "produced in the United States or, if processed, finally processed or packaged there"
    ),
    "produced_in_us": "produced in the United States",
    "processed_in_us": "finally processed in the United States",
    "any": "of any origin",
}

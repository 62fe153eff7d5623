"""Sandbox datasets of the course: generators, data cards and a loader.

Six synthetic datasets share one world of ids (importers, offices, countries, HS codes):

========================  ===========================================================
``declarations``          import declaration lines with planted fraud and selectivity
``clearance_events``      Time Release Study timestamps, one row per declaration
``seizures``              seizures in the style of the WCO Illicit Trade Report
``mirror_flows``          A's imports from B next to B's exports to A, by HS and year
``hs_nomenclature``       HS sections, chapters and the headings/subheadings used
``goods_descriptions``    free-text goods descriptions labelled with their HS code
========================  ===========================================================

>>> from customs_course.datasets import load_dataset
>>> df = load_dataset("declarations", edition="small")  # doctest: +SKIP

Each ``make_<name>(n_rows, *, random_state=...)`` returns a fresh DataFrame; ``load_dataset``
reads the standard editions (written by :func:`build_editions`) and generates them if missing.
"""

from customs_course.datasets._version import DEFAULT_SEED, GENERATOR_VERSION
from customs_course.datasets.cards import DATASET_NAMES, check_frame, load_card, validate_frame
from customs_course.datasets.clearance import make_clearance_events
from customs_course.datasets.declarations import make_declarations
from customs_course.datasets.descriptions import make_goods_descriptions
from customs_course.datasets.editions import EDITIONS, build_editions, make_edition
from customs_course.datasets.loader import (
    dataset_file,
    load_clearance_events,
    load_dataset,
    load_declarations,
    load_goods_descriptions,
    load_hs_nomenclature,
    load_mirror_flows,
    load_seizures,
)
from customs_course.datasets.mirror import make_mirror_flows
from customs_course.datasets.nomenclature import make_hs_nomenclature
from customs_course.datasets.seizures import make_seizures

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_SEED",
    "EDITIONS",
    "GENERATOR_VERSION",
    "build_editions",
    "dataset_file",
    "check_frame",
    "load_card",
    "load_clearance_events",
    "load_dataset",
    "load_declarations",
    "load_goods_descriptions",
    "load_hs_nomenclature",
    "load_mirror_flows",
    "load_seizures",
    "make_clearance_events",
    "make_declarations",
    "make_goods_descriptions",
    "make_hs_nomenclature",
    "make_mirror_flows",
    "make_seizures",
    "make_edition",
    "validate_frame",
]

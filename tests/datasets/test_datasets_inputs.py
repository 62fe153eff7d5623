"""Does bad input get a clear error that says what to do?"""

from __future__ import annotations

import numpy as np
import pytest

from customs_course.datasets import (
    build_editions,
    load_dataset,
    make_clearance_events,
    make_declarations,
    make_goods_descriptions,
    make_mirror_flows,
    make_seizures,
)

MAKERS = [make_declarations, make_seizures, make_mirror_flows, make_goods_descriptions]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n_rows", [0, -5])
def test_is_a_size_below_one_refused(make, n_rows):
    with pytest.raises(ValueError, match="at least 1"):
        make(n_rows, random_state=1)


@pytest.mark.parametrize("make", MAKERS)
def test_is_a_huge_size_refused_with_advice(make):
    with pytest.raises(ValueError, match="fewer rows"):
        make(10**9, random_state=1)


@pytest.mark.parametrize("n_rows, hint", [(1e4, "10_000"), ("500", "without quotes"),
                                          (True, "whole number"), (2.5, "whole number")])
def test_is_a_size_that_is_not_an_integer_refused_with_a_hint(n_rows, hint):
    with pytest.raises(TypeError, match=hint):
        make_declarations(n_rows, random_state=1)


def test_is_a_numpy_integer_size_accepted():
    assert len(make_declarations(np.int64(50), random_state=np.int32(1))) == 50


@pytest.mark.parametrize("seed", [1.5, "2022", [1], 3.0])
def test_is_a_seed_that_is_not_an_integer_refused(seed):
    with pytest.raises(TypeError, match="random_state must be a whole number"):
        make_declarations(100, random_state=seed)


def test_is_a_negative_seed_refused():
    with pytest.raises(ValueError, match="0 or more"):
        make_seizures(100, random_state=-1)


@pytest.mark.parametrize("make", [make_declarations, make_seizures])
def test_is_a_start_after_the_end_refused(make):
    with pytest.raises(ValueError, match="after end.*swap"):
        make(100, random_state=1, start="2022-12-31", end="2022-01-01")


def test_is_an_unreadable_date_refused():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        make_declarations(100, random_state=1, start="31/31/2022")
    with pytest.raises(TypeError, match="date such as"):
        make_declarations(100, random_state=1, end=2022)


def test_does_a_one_day_period_work():
    df = make_declarations(200, random_state=1, start="2022-03-01", end="2022-03-01")
    assert (df["lodgement_date"] == "2022-03-01").all()


def test_are_mirror_years_checked():
    with pytest.raises(ValueError, match="swap"):
        make_mirror_flows(100, random_state=1, start_year=2022, end_year=2018)
    with pytest.raises(TypeError, match="year such as"):
        make_mirror_flows(100, random_state=1, start_year="2018")


def test_are_clearance_arguments_checked():
    decl = make_declarations(100, random_state=1)
    with pytest.raises(ValueError, match="not both"):
        make_clearance_events(100, declarations=decl, random_state=1)
    with pytest.raises(TypeError, match="DataFrame"):
        make_clearance_events(declarations=[1, 2], random_state=1)


@pytest.mark.parametrize("name, message", [
    ("declaration", "Did you mean 'declarations'"),
    ("seizure", "Did you mean 'seizures'"),
    ("customs", "The datasets are"),
])
def test_does_a_misspelt_name_get_a_suggestion(name, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(name, edition="small")


def test_is_a_name_that_is_not_text_refused():
    with pytest.raises(TypeError, match="must be text"):
        load_dataset(3)


@pytest.mark.parametrize("edition, message", [("tiny", "small, medium|'small'"),
                                               (1000, "not a number of rows")])
def test_does_an_unknown_edition_list_the_editions(edition, message):
    with pytest.raises(ValueError, match=message):
        load_dataset("declarations", edition=edition)


def test_is_csv_of_the_large_edition_refused():
    with pytest.raises(ValueError, match="Parquet only|parquet only|format='parquet'"):
        load_dataset("declarations", edition="large", format="csv")


def test_does_build_editions_check_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="edition"):
        build_editions(tmp_path, editions=("huge",))
    with pytest.raises(ValueError, match="format"):
        build_editions(tmp_path, formats=("xlsx",))
    with pytest.raises(ValueError, match="empty"):
        build_editions(tmp_path, editions=())

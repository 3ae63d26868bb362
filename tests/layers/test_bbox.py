"""One bbox check: the store's reads, ``?bbox=`` and ``--bbox`` accept and refuse the same
boxes with the same words."""

from __future__ import annotations

import argparse

import pytest

from api.commands.store import _bbox
from layers.bbox import check_bbox, parse_bbox
from layers.errors import InvalidBBoxError

BAD = [("1,2,3", "four numbers"), ("a,b,c,d", "four numbers"), ("nan,1,2,3", "finite"),
       ("10,50,9,51", "out of range"), ("0,95,1,96", "out of range")]


@pytest.mark.parametrize(("text", "words"), BAD)
def test_every_entry_refuses_the_same_boxes(any_store, text: str, words: str) -> None:
    with pytest.raises(InvalidBBoxError, match=words):
        parse_bbox(text)
    with pytest.raises(argparse.ArgumentTypeError, match=words):
        _bbox(text)
    parts = text.split(",")
    if len(parts) == 4:
        with pytest.raises(InvalidBBoxError, match=words):
            any_store.read("roads", bbox=tuple(parts))


def test_a_good_box_is_four_floats() -> None:
    assert parse_bbox(" 11.5, 49.9,11.7 ,50.0") == (11.5, 49.9, 11.7, 50.0)
    assert check_bbox((11, 49, 12, 50)) == (11.0, 49.0, 12.0, 50.0)
    assert check_bbox(None) is None

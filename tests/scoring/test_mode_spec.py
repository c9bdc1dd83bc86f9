"""The one MODE:key=value parser behind --layout and --skip-tiles: a label pastes back to the same object."""

import pytest

from camdetect.scoring.tile_policy import TilePolicy
from camdetect.scoring.tiling import TileLayout


@pytest.mark.parametrize("cls, spec", [(TileLayout, "tiles:overlap=0,top_rows=2"), (TileLayout, "whole:size=640"),
                                       (TilePolicy, "geometry+texture:edge_contrast=32"), (TilePolicy, "none")])
def test_label_round_trips(cls, spec):
    obj = cls.parse(spec)
    assert cls.parse(obj.label) == obj and obj.label == spec


def test_unknown_key_names_the_option_and_the_keys():
    with pytest.raises(ValueError, match=r"^--skip-tiles 'geometry:x=1': expected MODE.*road_below_deg, sky_above_deg"):
        TilePolicy.parse("geometry:x=1")

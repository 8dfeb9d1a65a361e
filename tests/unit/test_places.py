"""Countries and cities in the reader's language, one stored spelling each."""

from __future__ import annotations

import pytest

from marketplace.core.places import canonical_city, canonical_country, city_name, country_name, place

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("written", ["China", "china", "中国", "PRC", " 中华人民共和国 "])
def test_every_way_of_writing_china_is_kept_as_one_spelling(written):
    assert canonical_country(written) == "China"


def test_a_place_we_do_not_know_is_kept_as_written():
    assert canonical_country("Atlantis") == "Atlantis"
    assert canonical_city("Springfield") == "Springfield"
    assert place("Springfield", "Atlantis", "zh_Hans") == "Springfield, Atlantis"


def test_countries_and_cities_read_in_chinese_and_english():
    assert country_name("Germany", "zh_Hans") == "德国" and country_name("德国", "en") == "Germany"
    assert city_name("Shanghai", "zh_Hans") == "上海" and city_name("上海", "en") == "上海"  # stored as written
    assert canonical_city("上海") == "Shanghai"
    assert place("Shanghai", "China", "zh_Hans") == "中国上海"
    assert place("Shanghai", "China", "en") == "Shanghai, China"
    assert place("Singapore", "Singapore", "zh_Hans") == "新加坡"
    assert place("", "United States", "zh_Hans") == "美国"
    assert place("Berlin", "", "en") == "Berlin"

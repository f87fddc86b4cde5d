"""One filter parser for the tiles, the counts, the heat map and the situation picture:
parameters that do not parse answer 400 naming the parameter."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from gis.dashboard.filters import FilterError, parse_filters

from .conftest import PASSWORD
from .helpers import local

BAD = [
    ("from", "from=yesterday"),
    ("to", "to=2026-13-45"),
    ("from", "from=2026-05-01&to=2026-04-01"),
    ("category", "category=unicorns"),
    ("severity", "severity=7"),
    ("severity", "severity=high"),
    ("when", "when=dawn"),
    ("source", "source=twitter"),
    ("status", "status=sleeping"),
    ("district", "district=abc"),
    ("district", "district=999999999"),
    ("municipality", "municipality=atlantis"),
]

ENDPOINTS = [
    "/api/dashboard/counts/",
    "/api/dashboard/tiles/reports/14/9326/4742.pbf",
    "/api/dashboard/heatmap/",
    "/api/dashboard/heatmap.png",
    "/api/dashboard/hotspots/",
    "/api/dashboard/routes/",
    "/dashboard/lagesbild.csv",
]


@pytest.fixture
def staff(client, user_of):
    user = user_of("analyst")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(("param", "query"), BAD)
def test_every_endpoint_names_the_parameter_that_does_not_parse(staff, demo, param, query):
    for url in ENDPOINTS:
        response = staff.get(f"{url}?{query}")
        assert response.status_code == 400, url
        body = response.json()
        assert list(body) == [param], url
        assert body[param][0], url


@pytest.mark.parametrize(("param", "query"), BAD[:4])
def test_the_situation_page_answers_400_naming_the_parameter(staff, demo, param, query):
    response = staff.get(f"/dashboard/lagesbild/?{query}")
    assert response.status_code == 400
    assert f"<code>{param}</code>" in response.content.decode()


def test_fixes_list_parameters_are_checked(staff, demo):
    url = reverse("dashboard-api:fixes")
    for query, field in (
        ("department=moon", "department"),
        ("fix_status=x", "fix_status"),
        ("limit=0", "limit"),
    ):
        response = staff.get(f"{url}?{query}")
        assert response.status_code == 400 and field in response.json()


def test_parse_filters_reads_lists_days_and_repeats(demo):
    params = QueryDict(
        "from=2026-01-01&to=2026-01-31&category=lighting&category=vegetation,lighting"
        "&severity=3,4&when=night&source=walk&status=received"
    )
    filters = parse_filters(params)
    assert filters.start == local(2026, 1, 1) and filters.end == local(2026, 2, 1)
    assert filters.categories == ("lighting", "vegetation")
    assert filters.severities == (3, 4) and filters.times == ("night",)
    # severity keeps findings, status keeps pins: nothing can pass both.
    assert filters.active_sources() == ()
    again = parse_filters(QueryDict(filters.query_string()))
    assert again == filters


def test_parse_filters_default_period(demo):
    filters = parse_filters(QueryDict("to=2026-03-14"), default_days=14)
    assert filters.end == local(2026, 3, 15)
    assert filters.start == local(2026, 3, 1)


def test_filter_errors_name_their_parameter(demo):
    with pytest.raises(FilterError) as error:
        parse_filters(QueryDict("when=dawn"))
    assert error.value.param == "when" and "dawn" in error.value.message

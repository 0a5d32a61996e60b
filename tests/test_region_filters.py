"""What the region filters and the label sheet's village choice ask of the API, in a county of 130
townships (远筛县, tests/filters_seed.py): a list filtered by a township past the 100th (``region_id``
is that region and everything under it), and the label sheet's ``within`` — every village under a
township chosen whole, one id however many villages — scoped like the rest of the sheet."""
import pytest

from conftest import assert_error
from filters_seed import PROJECT_PREFIX, seed


@pytest.fixture(scope="module")
def county(app, world):
    return seed(app, world)


def codes_for(app, village_ids):
    """Issue (as the app does on first use) the 一村一码 codes of these villages → {id: code}."""
    from backend.core.models import Region
    from backend.extensions import db
    from backend.subsidies import services
    with app.app_context(), app.test_request_context(method="POST"):
        out = {vid: services.village_code(db.session.get(Region, vid)).code for vid in village_ids}
        db.session.commit()
    return out


def test_a_city_user_filters_projects_by_a_township_past_the_100th(login_as, county):
    c = login_as("city")
    body = c.get(f"/api/v1/projects?q={PROJECT_PREFIX}&region_id={county['far']}").get_json()
    assert [p["id"] for p in body["items"]] == [county["projects"]["far"]]
    both = c.get(f"/api/v1/projects?q={PROJECT_PREFIX}&region_id={county['county']}").get_json()
    assert sorted(p["id"] for p in both["items"]) == sorted(county["projects"].values())
    # A county user of another county cannot filter by it.
    assert_error(login_as("county").get(f"/api/v1/projects?region_id={county['far']}"), 403, "out_of_scope")


def test_within_prints_every_village_of_a_township_chosen_whole(app, login_as, county):
    codes = codes_for(app, county["villages"][:3])
    c = login_as("filters_county")
    url = f"/api/v1/regions/{county['county']}/labels"
    sheet = c.get(f"{url}?within={county['far']}").text
    assert all(f'data-code="{code}"' in sheet for code in codes.values())
    assert sheet.count('class="label"') == 3  # only villages: no project, no unit
    # Whole townships and single villages and projects together; a village named twice prints once.
    mixed = c.get(f"{url}?within={county['far']}&villages={county['villages'][0]}"
                  f"&projects={county['projects']['first']}").text
    assert mixed.count('class="label"') == 4
    # A township with no coded village prints nothing of villages.
    assert c.get(f"{url}?within={county['first']}").text.count('class="label"') == 0


def test_within_outside_the_sheets_region_prints_nothing(app, world, login_as, county):
    codes_for(app, county["villages"][:1])
    sheet = login_as("county").get(f"/api/v1/regions/{world['regions']['linan']}/labels?within={county['far']}")
    assert sheet.status_code == 200 and sheet.text.count('class="label"') == 0


def test_the_sheet_of_another_county_is_refused(login_as, county):
    assert_error(login_as("county").get(f"/api/v1/regions/{county['county']}/labels?within={county['far']}"),
                 403, "out_of_scope")
    assert_error(login_as("lead").get(f"/api/v1/regions/{county['county']}/labels"), 403, "out_of_scope")


@pytest.mark.parametrize("value", ["abc", "0", "", "1,,2", "-4", "5955783846", ",".join(["7"] * 201)])
def test_within_bad_input(login_as, county, value):
    r = login_as("filters_county").get(f"/api/v1/regions/{county['county']}/labels?within={value}")
    assert_error(r, 400, "validation_error", "query.within")

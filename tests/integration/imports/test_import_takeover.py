"""An import never takes over another incubator's startup (security review, finding 1): through the upload,
the background job and the result page, as the importing incubator sees it."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.startups.models import Listing, Startup
from marketplace.startups.queries import incubator_ids_for_startup
from tests.conftest import PNP_MANAGER
from tests.helpers import org

pytestmark = pytest.mark.integration


def test_a_rivals_startup_named_in_a_file_is_imported_apart_and_reported(app, client, auth):
    with app.app_context():
        target = db.session.scalar(sa.select(Startup).where(Startup.slug == "quadworks"))
        target_id, name, website = target.id, target.name, target.website
        zhangjiang = org("zhangjiang-incubator").id
    auth.login(PNP_MANAGER)
    rows = [{"name": name}, {"name": "Elsewhere Labs", "website": website}]
    data = "\n".join(json.dumps(row) for row in rows).encode("utf-8")
    location = client.post(
        "/imports/new", data={"file": (io.BytesIO(data), "rival.jsonl")}, content_type="multipart/form-data"
    ).headers["Location"]
    detail = client.post(location, data={"col-0": "name", "col-1": "website"}).headers["Location"]

    page = client.get(detail).get_data(as_text=True)

    with app.app_context():
        assert incubator_ids_for_startup(target_id) == {zhangjiang}
        pnp = org("plug-and-play").id
        made = set(
            db.session.scalars(
                sa.select(Listing.startup_id)
                .join(Startup, Startup.id == Listing.startup_id)
                .where(Listing.incubator_id == pnp, Startup.name.in_([name, "Elsewhere Labs"]))
            )
        )
        assert len(made) == 2 and target_id not in made
    assert 'id="likely-duplicates"' in page
    assert page.count(f'/startups/{target_id}"') == 2  # both rows point at the profile already listed
    assert client.get(f"/startups/{target_id}/edit").status_code == 403

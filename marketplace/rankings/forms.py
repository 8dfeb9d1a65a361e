from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from marketplace.accounts.names import org_name
from marketplace.core.places import country_name
from marketplace.core.taxonomy import Sector, StartupStage
from marketplace.web.forms import options


class MatchFilterForm(FlaskForm):
    class Meta:
        csrf = False

    sector = SelectField(_l("Sector"), choices=[], validate_choice=False)
    stage = SelectField(_l("Stage"), choices=[], validate_choice=False)
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    founded_from = StringField(_l("Founded in or after"), render_kw={"inputmode": "numeric", "size": 4})
    incubator = SelectField(_l("Incubator"), choices=[], validate_choice=False)

    def fill_choices(self, countries: list[str], incubators=()) -> None:
        self.incubator.choices = options([("", _l("All incubators"))] + [(str(o.id), org_name(o)) for o in incubators])
        self.sector.choices = options([("", _l("All sectors"))] + [(s.value, s.label) for s in Sector])
        self.stage.choices = options([("", _l("All stages"))] + [(s.value, s.label) for s in StartupStage])
        self.country.choices = options(
            [("", _l("All countries"))] + [(c, country_name(c, str(get_locale() or "en"))) for c in countries]
        )

    def founded_year(self) -> int | None:
        value = (self.founded_from.data or "").strip()
        return int(value) if value.isdigit() else None

    def incubator_id(self) -> int | None:
        value = (self.incubator.data or "").strip()
        return int(value) if value.isdigit() else None

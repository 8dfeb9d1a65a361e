from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField, URLField

from marketplace.accounts.names import org_name
from marketplace.core.taxonomy import Sector, StartupStage
from marketplace.startups.models import StartupInput
from marketplace.web.forms import MultiCheckboxField, mark_required, options

# The form fields that map one-to-one onto StartupInput.
STARTUP_FIELDS = [
    "name",
    "website",
    "founded_year",
    "city",
    "country",
    "stage",
    "team_size",
    "funding_raised_usd",
    "description",
    "products",
    "tags",
    "sectors",
    "customers",
    "contact_name",
    "contact_email",
]


class StartupForm(FlaskForm):
    # Editing: the version the form was read at (a stale one is refused, naming what changed). Creating: the
    # one-time token that makes a resubmitted form go to what the first submit made (accounts/submissions.py).
    version = HiddenField()
    form_token = HiddenField()
    name = StringField(_l("Name"))
    website = URLField(_l("Website"))
    founded_year = StringField(_l("Founded (year)"), render_kw={"inputmode": "numeric"})
    city = StringField(_l("City"))
    country = StringField(_l("Country"))
    stage = SelectField(_l("Stage"), choices=[], validate_choice=False)
    team_size = StringField(_l("Team size"), render_kw={"inputmode": "numeric"})
    funding_raised_usd = StringField(_l("Funding raised (USD)"), render_kw={"inputmode": "numeric"})
    description = TextAreaField(_l("Description"))
    products = TextAreaField(_l("Products"))
    tags = StringField(_l("Tags"), description=_l("Separate tags with commas."))
    sectors = MultiCheckboxField(_l("Sectors"), choices=[])
    customers = TextAreaField(_l("Customers and cases"))
    contact_name = StringField(_l("Contact name"))
    contact_email = EmailField(_l("Contact email"))
    external_id = StringField(_l("Your reference (CRM id)"))
    incubator_id = SelectField(_l("Listed by incubator"), choices=[], validate_choice=False, coerce=int)

    def fill_choices(self, *, incubators=None, creating: bool) -> None:
        mark_required(self, StartupInput, also=("incubator_id",))
        self.stage.choices = options([("", _l("Unknown"))] + [(s.value, s.label) for s in StartupStage])
        self.sectors.choices = options([(s.value, s.label) for s in Sector])
        if not creating:
            del self.external_id
        if incubators is None:
            del self.incubator_id
        else:
            self.incubator_id.choices = options([(0, _l("Choose…"))] + [(o.id, org_name(o)) for o in incubators])


class StartupFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    sector = SelectField(_l("Sector"), choices=[])
    stage = SelectField(_l("Stage"), choices=[])

    def fill_choices(self) -> None:
        self.sector.choices = options([("", _l("All sectors"))] + [(s.value, s.label) for s in Sector])
        self.stage.choices = options([("", _l("All stages"))] + [(s.value, s.label) for s in StartupStage])

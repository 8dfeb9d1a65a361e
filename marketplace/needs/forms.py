from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField

from marketplace.accounts.names import org_name
from marketplace.core.taxonomy import Sector, StartupStage
from marketplace.needs.enums import NeedStatus, NeedVisibility, PilotHorizon
from marketplace.needs.models import NeedInput
from marketplace.needs.queries import OPEN
from marketplace.web.forms import MultiCheckboxField, mark_required, options

# The form fields that map one-to-one onto NeedInput.
NEED_FIELDS = [
    "title",
    "summary",
    "description",
    "scenarios",
    "sector_tags",
    "technology_tags",
    "desired_stage",
    "budget_min_cny",
    "budget_max_cny",
    "pilot_horizon",
    "visibility",
    "contact_name",
    "contact_email",
    "deadline",
    "confidential",
    "confidentiality_terms",
]


class NeedForm(FlaskForm):
    # Editing: the version the form was read at (a stale one is refused, naming what changed). Creating: the
    # one-time token that makes a resubmitted form go to what the first submit made (accounts/submissions.py).
    version = HiddenField()
    form_token = HiddenField()
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"), description=_l("One or two sentences shown in lists."))
    description = TextAreaField(_l("Description"))
    scenarios = TextAreaField(_l("Application scenarios"), description=_l("One scenario per line."))
    sector_tags = MultiCheckboxField(_l("Sectors"), choices=[])
    technology_tags = StringField(_l("Technology tags"), description=_l("Separate tags with commas."))
    desired_stage = SelectField(_l("Desired startup stage"), choices=[], validate_choice=False)
    budget_min_cny = StringField(_l("Budget from (CNY)"))
    budget_max_cny = StringField(_l("Budget up to (CNY)"))
    pilot_horizon = SelectField(_l("Pilot horizon"), choices=[], validate_choice=False)
    # A new need starts with the schema's own default, so the choice is shown made rather than left blank.
    visibility = RadioField(
        _l("Who can see it"),
        choices=[],
        validate_choice=False,
        default=NeedInput.model_fields["visibility"].default.value,
    )
    invited_incubators = MultiCheckboxField(_l("Invited incubators"), choices=[], coerce=int)
    owner_id = SelectField(_l("Owning bank unit"), choices=[], validate_choice=False, coerce=int)
    contact_name = StringField(_l("Contact name"))
    contact_email = EmailField(_l("Contact email"))
    deadline = StringField(_l("Deadline"), render_kw={"type": "date"})
    confidential = BooleanField(
        _l("Confidential: incubators see only the title, sectors and summary until they accept the terms")
    )
    confidentiality_terms = TextAreaField(_l("Confidentiality terms"))

    def fill_choices(self, *, incubators, bank_units=None) -> None:
        mark_required(self, NeedInput, also=("owner_id",))
        self.sector_tags.choices = options([(s.value, s.label) for s in Sector])
        self.desired_stage.choices = options([("", _l("Any stage"))] + [(s.value, s.label) for s in StartupStage])
        self.pilot_horizon.choices = options([(h.value, h.label) for h in PilotHorizon])
        self.visibility.choices = options([(v.value, v.label) for v in NeedVisibility])
        self.invited_incubators.choices = options([(o.id, org_name(o)) for o in incubators])
        if bank_units is None:
            del self.owner_id
        else:
            self.owner_id.choices = options([(0, _l("Choose…"))] + [(o.id, org_name(o)) for o in bank_units])


class NeedFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    sector = SelectField(_l("Sector"), choices=[])
    status = SelectField(_l("Status"), choices=[])

    def fill_choices(self) -> None:
        self.sector.choices = options([("", _l("All sectors"))] + [(s.value, s.label) for s in Sector])
        self.status.choices = options(
            [("", _l("All statuses")), (OPEN, _l("Open for nominations"))] + [(s.value, s.label) for s in NeedStatus]
        )

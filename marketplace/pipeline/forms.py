from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField

from marketplace.web.forms import options


class NominationForm(FlaskForm):
    """Parses a nomination; the rules (note length, PDF, size) are the service's."""

    startup_id = SelectField(
        _l("Startup"),
        choices=[],
        coerce=int,
        validate_choice=False,
        description=_l("Your startups, best fit for this need first."),
    )
    note = TextAreaField(
        _l("Why this startup fits"), description=_l("A short note for the bank unit (10–1000 characters).")
    )
    deck = FileField(_l("Pitch deck (PDF, optional)"), render_kw={"accept": "application/pdf,.pdf"})

    def fill_choices(self, startups) -> None:
        """``startups``: (startup, its fit to the need or None), in the order to offer them."""
        self.startup_id.choices = options(
            [
                (s.id, _l("%(name)s · fit %(score)s/100", name=s.name, score=fit.score) if fit is not None else s.name)
                for s, fit in startups
            ]
        )

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField

from marketplace.form_helpers import options


class NominationForm(FlaskForm):
    """Parses a nomination; the rules (note length, PDF, size) are the service's."""

    startup_id = SelectField(_l("Startup"), choices=[], coerce=int, validate_choice=False)
    note = TextAreaField(_l("Why this startup fits"), description=_l("A short note for the bank unit (10–1000 characters)."))
    deck = FileField(_l("Pitch deck (PDF, optional)"), render_kw={"accept": "application/pdf,.pdf"})

    def fill_choices(self, startups) -> None:
        self.startup_id.choices = options([(s.id, s.name) for s in startups])

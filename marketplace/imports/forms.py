from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from marketplace.accounts.names import org_name
from marketplace.web.forms import options


class UploadForm(FlaskForm):
    file = FileField(
        _l("Portfolio file"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l("CSV (UTF-8 or GBK), Excel .xlsx, JSON or JSON Lines."),
    )
    incubator_id = SelectField(_l("Incubator"), choices=[], coerce=int, validate_choice=False)

    def fill_choices(self, incubators=None) -> None:
        if incubators is None:
            del self.incubator_id
        else:
            self.incubator_id.choices = options([(o.id, org_name(o)) for o in incubators])


class MappingForm(FlaskForm):
    """CSRF only: one select per column is rendered and read by the view."""

"""Forms of the roll screens: check and import a register, reissue a lost letter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

OUTPUTS = ("zip", "pdf", "csv")


class RegisterCheckForm(FlaskForm):
    """Upload a register to check it: nothing is stored."""

    register = FileField(
        _l("Bestand uit de basisregistratie (CSV)"),
        validators=[FileRequired(_l("Kies een CSV-bestand."))],
    )


class RegisterImportForm(RegisterCheckForm):
    """Upload a register again to put it on the roll and make the letters."""

    skip_bad_rows = BooleanField(_l("Foute regels overslaan en de rest importeren"))
    reissue_unused = BooleanField(
        _l(
            "Ook bewoners die al op de kiezerslijst staan een nieuwe brief geven (hun oude "
            "code werkt dan niet meer). Kies dit als de vorige brieven verloren zijn gegaan."
        )
    )
    output = RadioField(
        _l("Wat wilt u downloaden?"),
        choices=[
            SelectChoice(
                "zip", _l("ZIP met brieven (PDF per 500 brieven) en CSV voor de drukkerij")
            ),
            SelectChoice("pdf", _l("Alle brieven in één PDF")),
            SelectChoice("csv", _l("Alleen de CSV voor de drukkerij")),
        ],
        default="zip",
    )


class ReissueForm(FlaskForm):
    """Look up a resident by person reference; print a new letter for a lost one."""

    person_reference = StringField(
        _l("Persoonsreferentie"), validators=[DataRequired(), Length(max=200)]
    )
    name = StringField(_l("Naam"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Straat en huisnummer"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)])
    town = StringField(_l("Woonplaats"), validators=[Optional(), Length(max=200)])
    lookup = SubmitField(_l("Opzoeken"))
    print_letter = SubmitField(_l("Oude code intrekken en nieuwe brief maken"))

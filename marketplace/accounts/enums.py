from enum import StrEnum

from flask_babel import lazy_gettext as _l


class OrganisationKind(StrEnum):
    BANK_UNIT = "bank_unit"
    INCUBATOR = "incubator"
    ORGANISER = "organiser"

    @property
    def label(self):
        return {
            OrganisationKind.BANK_UNIT: _l("Bank unit"),
            OrganisationKind.INCUBATOR: _l("Incubator"),
            OrganisationKind.ORGANISER: _l("Organiser"),
        }[self]


class UserRole(StrEnum):
    BANK_STAFF = "bank_staff"
    INCUBATOR_MANAGER = "incubator_manager"
    ORGANISER = "organiser"
    ADMIN = "admin"

    @property
    def label(self):
        return {
            UserRole.BANK_STAFF: _l("Bank staff"),
            UserRole.INCUBATOR_MANAGER: _l("Incubator manager"),
            UserRole.ORGANISER: _l("Organiser"),
            UserRole.ADMIN: _l("Administrator"),
        }[self]


# Which organisation kind each role belongs to.
ROLE_ORGANISATION_KIND = {
    UserRole.BANK_STAFF: OrganisationKind.BANK_UNIT,
    UserRole.INCUBATOR_MANAGER: OrganisationKind.INCUBATOR,
    UserRole.ORGANISER: OrganisationKind.ORGANISER,
    UserRole.ADMIN: OrganisationKind.ORGANISER,
}

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


class DigestPreference(StrEnum):
    """How a person wants notification emails: each at once, one a day, or none (in-app only)."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"

    @property
    def label(self):
        return {
            DigestPreference.IMMEDIATE: _l("Email each notification at once"),
            DigestPreference.DAILY: _l("One email a day with everything new"),
            DigestPreference.NEVER: _l("No email; in the app only"),
        }[self]


# Which organisation kind each role belongs to.
ROLE_ORGANISATION_KIND = {
    UserRole.BANK_STAFF: OrganisationKind.BANK_UNIT,
    UserRole.INCUBATOR_MANAGER: OrganisationKind.INCUBATOR,
    UserRole.ORGANISER: OrganisationKind.ORGANISER,
    UserRole.ADMIN: OrganisationKind.ORGANISER,
}

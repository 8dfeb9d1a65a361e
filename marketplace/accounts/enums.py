from flask_babel import lazy_gettext as _l

from marketplace.core.enums import LabelledEnum


class OrganisationKind(LabelledEnum):
    BANK_UNIT = "bank_unit", _l("Bank unit")
    INCUBATOR = "incubator", _l("Incubator")
    ORGANISER = "organiser", _l("Organiser")


class UserRole(LabelledEnum):
    BANK_STAFF = "bank_staff", _l("Bank staff")
    INCUBATOR_MANAGER = "incubator_manager", _l("Incubator manager")
    ORGANISER = "organiser", _l("Organiser")
    ADMIN = "admin", _l("Administrator")


class DigestPreference(LabelledEnum):
    """How a person wants notification emails: each at once, one a day, or none (in-app only)."""

    IMMEDIATE = "immediate", _l("Email each notification at once")
    DAILY = "daily", _l("One email a day with everything new")
    NEVER = "never", _l("No email; in the app only")


# Which organisation kind each role belongs to.
ROLE_ORGANISATION_KIND = {
    UserRole.BANK_STAFF: OrganisationKind.BANK_UNIT,
    UserRole.INCUBATOR_MANAGER: OrganisationKind.INCUBATOR,
    UserRole.ORGANISER: OrganisationKind.ORGANISER,
    UserRole.ADMIN: OrganisationKind.ORGANISER,
}

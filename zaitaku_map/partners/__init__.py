"""協力医療機関 (2024 care-fee reform): candidate medical institutions for every care facility.

Public API: :func:`partner_lists` (candidates within N minutes, flags, counts per municipality or
group), :func:`import_agreements` (the prefecture's table of actual agreements) and
:func:`agreement_status` (those agreements against the lists).  Results are the dataclasses
:class:`PartnerLists` / :class:`CareFacility` / :class:`Candidate` / :class:`GroupCounts`,
:class:`AgreementImportReport` and :class:`AgreementStatus`.
"""

from zaitaku_map.partners.agreements import AgreementImportReport, import_agreements, sniff_agreements_file
from zaitaku_map.partners.classify import Institution, load_institutions
from zaitaku_map.partners.lists import (
    Candidate,
    CareFacility,
    GroupCounts,
    PartnerLists,
    partner_lists,
    save_minutes,
    saved_minutes,
)
from zaitaku_map.partners.status import AgreementStatus, FacilityAgreement, Partner, agreement_status

__all__ = [
    "AgreementImportReport",
    "AgreementStatus",
    "Candidate",
    "CareFacility",
    "FacilityAgreement",
    "GroupCounts",
    "Institution",
    "Partner",
    "PartnerLists",
    "agreement_status",
    "import_agreements",
    "load_institutions",
    "partner_lists",
    "save_minutes",
    "saved_minutes",
    "sniff_agreements_file",
]

"""Accredited institutions with their labs, and the Baxin volunteer expert team."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    Page,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from cms.models import BasePage
from experts.registry import expert_next_free_slots
from experts.validators import cma_number_validate, cnas_number_validate
from portal.choices import District, Field, Service, Zone, area_choices
from portal.language import text_in_language
from portal.search import CjkIndexedMixin


class InstitutionIndexPage(BasePage):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["experts.InstitutionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("institution index page")

    def get_context(self, request, *args, **kwargs):
        from experts.selectors import institution_list

        context = super().get_context(request, *args, **kwargs)
        district = request.GET.get("district", "")
        field = request.GET.get("field", "")
        cnas = request.GET.get("cnas") == "1"
        valid_only = request.GET.get("status") == CmaStatus.VALID
        kind = request.GET.get("kind", "")
        kind = kind if kind in HostKind.values else ""
        context.update(
            institutions=institution_list(
                index=self,
                district=district,
                field=field,
                cnas=cnas,
                valid_only=valid_only,
                kind=kind,
            ),
            current_kind=kind,
            kind_choices=HostKind.choices,
            current_district=district,
            current_field=field,
            current_cnas=cnas,
            current_valid_only=valid_only,
            filtered=bool(district or field or cnas or valid_only or kind),
            area_groups=area_choices(),
            field_choices=Field.choices,
        )
        return context


class CmaStatus(models.TextChoices):
    """State of a CMA certificate. Editors record valid, suspended or revoked; "expired"
    is never stored but derived from the expiry date (``InstitutionPage.cma_state``)."""

    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


CMA_STORED_STATUSES = [c for c in CmaStatus.choices if c[0] != CmaStatus.EXPIRED]


class HostKind(models.TextChoices):
    """What kind of organisation an institution page describes. Only accredited testing
    institutions hold a CMA certificate; the others host open-day activities too
    (an enterprise's R&D centre, a university's labs, a training base)."""

    ACCREDITED = "accredited", _("Accredited testing institution")
    ENTERPRISE_RD = "enterprise_rd", _("Enterprise R&D centre")
    UNIVERSITY = "university", _("University or research institute")
    TRAINING_BASE = "training_base", _("Training base")
    OTHER = "other", _("Other host")


class InstitutionPage(BasePage):
    """A host of open-day activities: a CMA-accredited testing and inspection institution,
    or another kind of host (``HostKind``) without the accreditation details."""

    kind = models.CharField(
        _("kind of host"),
        max_length=20,
        choices=HostKind.choices,
        default=HostKind.ACCREDITED,
        help_text=_(
            "Only accredited testing institutions have a CMA certificate; the "
            "accreditation details are required for them and shown only for them."
        ),
    )
    accreditation_number = models.CharField(
        _("CMA accreditation number"),
        max_length=40,
        blank=True,
        validators=[cma_number_validate],
        help_text=_("The 12 digits of the CMA certificate, e.g. 232205110123."),
    )
    cma_issued_on = models.DateField(_("CMA certificate issued on"), null=True, blank=True)
    cma_expires_on = models.DateField(_("CMA certificate valid until"), null=True, blank=True)
    cma_status = models.CharField(
        _("CMA certificate status"),
        max_length=12,
        choices=CMA_STORED_STATUSES,
        default=CmaStatus.VALID,
        help_text=_("Shown as expired after the validity date, whatever is chosen here."),
    )
    cma_scope = models.TextField(
        _("scope of accreditation"),
        blank=True,
        help_text=_("What the institution is accredited to test, as on the certificate."),
    )
    cnas_accredited = models.BooleanField(_("CNAS-accredited"), default=False)
    cnas_number = models.CharField(
        _("CNAS accreditation number"),
        max_length=20,
        blank=True,
        validators=[cnas_number_validate],
        help_text=_("For example CNAS L1234."),
    )
    fields = ParentalManyToManyField("portal.SectorField", verbose_name=_("fields"), blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    zone = models.CharField(
        _("functional zone"),
        max_length=20,
        choices=Zone.choices,
        blank=True,
        help_text=_("A national-level zone the institution lies in, if any."),
    )
    address = models.CharField(_("address"), max_length=300)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    description = RichTextField(_("description"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo or photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Labs belong to the page in the default language; translations show those rows.
    exclude_fields_in_copy = ["labs"]

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        MultiFieldPanel(
            [
                FieldPanel("accreditation_number"),
                FieldRowPanel([FieldPanel("cma_issued_on"), FieldPanel("cma_expires_on")]),
                FieldPanel("cma_status"),
                FieldPanel("cma_scope"),
                FieldRowPanel([FieldPanel("cnas_accredited"), FieldPanel("cnas_number")]),
            ],
            heading=_("Accreditation"),
        ),
        FieldPanel("summary"),
        FieldPanel("fields"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("district"), FieldPanel("zone")]),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_phone")]),
                FieldPanel("contact_email"),
                FieldPanel("website"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("description"),
        FieldPanel("logo"),
        InlinePanel(
            "labs",
            label=_("Labs"),
            heading=_("Labs"),
            help_text=_("Labs are managed on the page in the default language (Chinese)."),
        ),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("accreditation_number"),
        index.FilterField("district"),
        index.FilterField("zone"),
        index.FilterField("kind"),
    ]
    parent_page_types = ["experts.InstitutionIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(cma_issued_on__isnull=True)
                | Q(cma_expires_on__isnull=True)
                | Q(cma_expires_on__gt=F("cma_issued_on")),
                name="institution_cma_expires_after_issued",
            ),
            # A CNAS number on an institution not marked accredited would be shown nowhere
            # and found by no filter: the two go together.
            models.CheckConstraint(
                condition=Q(cnas_number="") | Q(cnas_accredited=True),
                name="institution_cnas_number_needs_flag",
            ),
            # An accredited institution is known by its CMA number; any other host has
            # none (a host holding a CMA certificate is an accredited institution).
            models.CheckConstraint(
                condition=(Q(kind=HostKind.ACCREDITED) & ~Q(accreditation_number=""))
                | (~Q(kind=HostKind.ACCREDITED) & Q(accreditation_number="")),
                name="institution_cma_number_iff_accredited",
            ),
        ]

    def clean(self):
        super().clean()
        errors = {}
        if self.is_accredited and not self.accreditation_number:
            errors["accreditation_number"] = _(
                "An accredited testing institution needs its CMA certificate number."
            )
        if not self.is_accredited and self.accreditation_number:
            errors["accreditation_number"] = _(
                "Only an accredited testing institution has a CMA certificate: choose that "
                "kind of host or leave the number empty."
            )
        if self.cma_issued_on and self.cma_expires_on and self.cma_expires_on <= self.cma_issued_on:
            errors["cma_expires_on"] = _("The certificate must expire after the day it was issued.")
        if self.cnas_number and not self.cnas_accredited:
            errors["cnas_accredited"] = _("Tick this box when you enter a CNAS number.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_accredited(self) -> bool:
        return self.kind == HostKind.ACCREDITED

    @property
    def kind_label(self) -> str:
        return str(HostKind(self.kind).label)

    def cma_state(self, *, today: datetime.date | None = None) -> str:
        """The certificate's state as the public sees it: a valid certificate whose
        validity date has passed is expired (``CmaStatus``)."""
        today = today or timezone.localdate()
        if (
            self.cma_status == CmaStatus.VALID
            and self.cma_expires_on
            and self.cma_expires_on < today
        ):
            return CmaStatus.EXPIRED
        return self.cma_status

    @property
    def cma_state_label(self) -> str:
        return str(CmaStatus(self.cma_state()).label)

    @property
    def cma_issuer_label(self) -> str:
        """Who issued the CMA certificate, from digits 3-4 of its number ("" if unknown)."""
        authority = self.accreditation_number[2:4] if len(self.accreditation_number) == 12 else ""
        if authority == "00":
            return str(_("Certification and Accreditation Administration (national)"))
        if authority == "22":
            return str(_("Chongqing Administration for Market Regulation"))
        return ""

    def cjk_search_parts(self) -> list[str]:
        return [self.title, self.summary, self.address, self.description]

    def meta_description(self) -> str:
        return self.search_description or self.summary

    def get_context(self, request, *args, **kwargs):
        from experts.selectors import institution_detail_context

        context = super().get_context(request, *args, **kwargs)
        context.update(institution_detail_context(page=self))
        return context


class Lab(Orderable):
    institution = ParentalKey(InstitutionPage, on_delete=models.CASCADE, related_name="labs")
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    fields_text = models.CharField(
        _("fields"), max_length=200, blank=True, help_text=_("What the lab tests, in a few words.")
    )
    fields_text_en = models.CharField(_("fields (English)"), max_length=200, blank=True)
    visit_capacity = models.PositiveSmallIntegerField(
        _("visitors per visit"), default=10, help_text=_("Largest group one visit may bring.")
    )
    accepts_visits = models.BooleanField(_("accepts enterprise visits"), default=False)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("description"), FieldPanel("description_en")]),
        FieldRowPanel([FieldPanel("fields_text"), FieldPanel("fields_text_en")]),
        FieldRowPanel([FieldPanel("visit_capacity"), FieldPanel("accepts_visits")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("lab")
        verbose_name_plural = _("labs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visit_capacity__gte=1), name="lab_visit_capacity_positive"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return text_in_language(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return text_in_language(self.description, self.description_en)

    @property
    def display_fields(self) -> str:
        return text_in_language(self.fields_text, self.fields_text_en)


class Expert(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    CjkIndexedMixin,
    index.Indexed,
    ClusterableModel,
):
    """A member of the Baxin volunteer expert team (巴心助检), managed as a snippet."""

    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=False)
    title = models.CharField(_("professional title"), max_length=120)
    title_en = models.CharField(_("professional title (English)"), max_length=120, blank=True)
    organisation = models.CharField(_("organisation"), max_length=160)
    organisation_en = models.CharField(_("organisation (English)"), max_length=160, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fields = ParentalManyToManyField("portal.SectorField", verbose_name=_("fields of expertise"))
    services = ParentalManyToManyField("portal.ServiceType", verbose_name=_("services offered"))
    district = models.CharField(
        _("district served"), max_length=20, choices=District.choices, blank=True
    )
    zone = models.CharField(
        _("functional zone served"), max_length=20, choices=Zone.choices, blank=True
    )
    bio = models.TextField(_("biography"))
    bio_en = models.TextField(_("biography (English)"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive experts are hidden from the roster.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert",
    )
    # Revisions and workflow states are deleted with the expert (Wagtail snippet docs).
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="expert")
    _workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="expert",
        for_concrete_model=False,
    )
    sort_order = models.PositiveSmallIntegerField(_("order on the roster"), default=100)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("title"), FieldPanel("title_en")]),
        FieldRowPanel([FieldPanel("organisation"), FieldPanel("organisation_en")]),
        FieldPanel("photo"),
        FieldPanel("services"),
        FieldPanel("fields"),
        FieldRowPanel([FieldPanel("district"), FieldPanel("zone")]),
        FieldPanel("bio"),
        FieldPanel("bio_en"),
        FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
        FieldPanel("user"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("name_en"),
        index.SearchField("title"),
        index.SearchField("title_en"),
        index.SearchField("organisation"),
        index.SearchField("bio"),
        index.SearchField("bio_en"),
        index.SearchField("cjk_index"),
        index.SearchField("labels_text"),
        index.FilterField("live"),
        index.FilterField("is_active"),
    ]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name_en or self.name) or f"expert-{self.pk or ''}"
        super().save(*args, **kwargs)

    def cjk_search_parts(self) -> list[str]:
        return [self.name, self.title, self.organisation, self.bio, self.labels_text()]

    def labels_text(self) -> str:
        """Service and field names in every language, whatever language the editor uses."""
        codes = [s.get_code_display for s in self.services.all()]
        codes += [f.get_code_display for f in self.fields.all()]
        words = []
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                words.extend(str(display()) for display in codes)
        return " ".join(words)

    @property
    def display_name(self) -> str:
        return text_in_language(self.name, self.name_en)

    @property
    def display_title(self) -> str:
        return text_in_language(self.title, self.title_en)

    @property
    def display_organisation(self) -> str:
        return text_in_language(self.organisation, self.organisation_en)

    @property
    def display_bio(self) -> str:
        return text_in_language(self.bio, self.bio_en)

    @property
    def revisions(self):
        return self._revisions

    @property
    def workflow_states(self):
        return self._workflow_states

    def get_preview_template(self, request, mode_name):
        return "experts/expert_detail.html"

    def get_preview_context(self, request, mode_name):
        return {"expert": self, "page": None}


class ExpertRosterPage(RoutablePageMixin, BasePage):
    """Lists the expert team, filterable by service and field, with a profile per expert."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count_per_parent = 1
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("expert roster page")

    @path("")
    def roster(self, request):
        from experts.selectors import expert_list

        service = request.GET.get("service", "")
        field = request.GET.get("field", "")
        experts = list(expert_list(service=service, field=field))
        next_slots = expert_next_free_slots(experts=experts, limit=3, service=service)
        # Same URL as expert_url(), but the roster's own URL is worked out once, not per expert.
        roster_url = self.get_url(request)
        for expert in experts:
            expert.next_slots = next_slots.get(expert.pk, [])
            expert.profile_url = roster_url + self.reverse_subpage(
                "expert", kwargs={"slug": expert.slug}
            )
        context = self.get_context(request)
        context.update(
            experts=experts,
            current_service=service,
            current_field=field,
            service_choices=Service.choices,
            field_choices=Field.choices,
        )
        return self.render(request, context_overrides=context)

    @path("<slug:slug>/", name="expert")
    def expert_detail(self, request, slug: str):
        from experts.selectors import expert_list

        expert = get_object_or_404(expert_list(), slug=slug)
        next_slots = expert_next_free_slots(experts=[expert], limit=3)[expert.pk]
        return self.render(
            request,
            context_overrides={"expert": expert, "roster_page": self, "next_slots": next_slots},
            template="experts/expert_detail.html",
        )

    def expert_url(self, expert: Expert) -> str:
        return self.url + self.reverse_subpage("expert", kwargs={"slug": expert.slug})

"""Public treatment pages: a list, and a section of pages per treatment.

Every section page costs at most three queries with an empty cache (the clinic profile,
the treatment, the one part the page shows) and none when served from the page cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from clinic.models import ClinicProfile
from clinic.page_cache import cached_public_page
from clinic.structured_data import breadcrumb_list, medical_clinic
from clinic.views import too_many_requests
from treatments.forms import QuestionForm
from treatments.models import Contraindication, Question, Treatment
from treatments.selectors import aftercare_groups, plain_text, procedure_outline
from treatments.services import question_create


@dataclass(frozen=True)
class SectionPage:
    """One page of a treatment's section. Its heading, lead paragraph and search
    description are the treatment's own (``<key>_heading``, ``<key>_lead``,
    ``<key>_description``); the overview's are the name, summary and SEO fields."""

    key: str
    url_name: str
    label: str  # in the sub-navigation

    def heading(self, treatment: Treatment) -> str:
        if self.key == "overview":
            return treatment.name
        return getattr(treatment, f"{self.key}_heading") or treatment.name

    def lead(self, treatment: Treatment) -> str:
        if self.key == "overview":
            return treatment.summary
        return getattr(treatment, f"{self.key}_lead") or treatment.summary

    def description(self, treatment: Treatment) -> str:
        if self.key == "overview":
            return treatment.seo_description or treatment.summary
        return getattr(treatment, f"{self.key}_description") or self.lead(treatment)


PAGES = [
    SectionPage("overview", "treatments:overview", "Overview"),
    SectionPage("benefits", "treatments:benefits", "Benefits"),
    SectionPage("process", "treatments:process", "The treatment"),
    SectionPage("aftercare", "treatments:aftercare", "Aftercare"),
    SectionPage("contraindications", "treatments:contraindications", "Who it is not for"),
    SectionPage("faq", "treatments:faq", "Questions"),
]
PAGES_BY_KEY = {page.key: page for page in PAGES}


def can_preview(user) -> bool:
    """Staff who may view treatments also see unpublished ones (with a banner)."""
    return bool(
        user.is_authenticated and user.is_staff and user.has_perm("treatments.view_treatment")
    )


def _treatment_or_404(request, slug: str) -> Treatment:
    treatments = Treatment.objects.all()
    if not can_preview(request.user):
        treatments = treatments.published()
    return get_object_or_404(treatments, slug=slug)


def _section_context(request, treatment: Treatment, page: SectionPage) -> dict:
    index = PAGES.index(page)
    heading = page.heading(treatment)
    overview_url = treatment.get_absolute_url()
    page_url = reverse(page.url_name, kwargs={"slug": treatment.slug})
    crumbs = [
        ("Home", reverse("home")),
        ("Treatments", reverse("treatments:list")),
        (treatment.name, overview_url),
    ]
    if page.key != "overview":
        crumbs.append((page.label, page_url))
    if page.key == "overview":
        title = treatment.seo_title or f"{treatment.name} in Islamabad"
    else:
        title = heading
    nav = [
        {
            "label": p.label,
            "url": reverse(p.url_name, kwargs={"slug": treatment.slug}),
            "current": p is page,
        }
        for p in PAGES
    ]
    return {
        "treatment": treatment,
        "page": page,
        "heading": heading,
        "lead": page.lead(treatment),
        "page_title": title,
        "page_description": page.description(treatment),
        "section_nav": nav,
        "crumbs": crumbs,
        "previous_page": nav[index - 1] if index > 0 else None,
        "next_page": nav[index + 1] if index + 1 < len(nav) else None,
        "is_preview": not treatment.is_published,
        "book_url": reverse("bookings:book") + f"?treatment={treatment.slug}",
        "ask_url": reverse("treatments:ask", kwargs={"slug": treatment.slug}),
        "jsonld": [
            medical_clinic(ClinicProfile.current()),
            breadcrumb_list(crumbs),
        ],
    }


def _medical_procedure(treatment: Treatment, steps: list[dict], aftercare: list[dict]) -> dict:
    url = settings.SITE_URL + treatment.get_absolute_url()
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalProcedure",
        "@id": url + "#procedure",
        "name": treatment.name,
        "url": url,
        "description": treatment.summary,
        "howPerformed": " ".join(f"{s['title']}: {plain_text(s['body'])}" for s in steps),
        "preparation": plain_text(treatment.preparation)
        or " ".join(plain_text(s["body"]) for s in steps if "prepar" in s["title"].lower()),
        "followup": " ".join(a["title"] for a in aftercare),
        "bodyLocation": ", ".join(treatment.area_list),
    }
    return {key: value for key, value in data.items() if value}


def _faq_page(questions) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": q.question,
                "acceptedAnswer": {"@type": "Answer", "text": plain_text(q.answer)},
            }
            for q in questions
        ],
    }


@require_safe
@cached_public_page
def treatment_list(request):
    treatments = Treatment.objects.published().only(
        "name", "slug", "summary", "hero_image", "hero_image_alt", "hero_renditions"
    )
    crumbs = [("Home", reverse("home")), ("Treatments", reverse("treatments:list"))]
    return render(
        request,
        "treatments/treatment_list.html",
        {
            "treatments": treatments,
            "crumbs": crumbs,
            "jsonld": [medical_clinic(ClinicProfile.current()), breadcrumb_list(crumbs)],
        },
    )


@require_safe
@cached_public_page
def section(request, slug: str, page: str):
    """One page of a treatment's section: the overview or one of its sub-pages."""
    treatment = _treatment_or_404(request, slug)
    section_page = PAGES_BY_KEY[page]
    context = _section_context(request, treatment, section_page)
    if page == "overview":
        steps, aftercare = procedure_outline(treatment)
        context["steps"] = steps
        context["jsonld"].append(_medical_procedure(treatment, steps, aftercare))
    elif page == "benefits":
        context["benefits"] = list(treatment.benefits.all())
    elif page == "process":
        context["steps"] = list(treatment.process_steps.all())
    elif page == "aftercare":
        context["aftercare_groups"] = aftercare_groups(list(treatment.aftercare.all()))
    elif page == "contraindications":
        items = list(treatment.contraindications.all())
        context["rules_out"] = [
            c for c in items if c.severity == Contraindication.Severity.RULES_OUT
        ]
        context["discuss"] = [c for c in items if c.severity != Contraindication.Severity.RULES_OUT]
    elif page == "faq":
        questions = list(Question.objects.public().filter(treatment=treatment))
        context["questions"] = questions
        if questions:
            context["jsonld"].append(_faq_page(questions))
    response = render(request, f"treatments/{page}.html", context)
    if context["is_preview"]:
        # A draft shown to staff: never kept by the page cache, nginx or a browser.
        patch_cache_control(response, private=True, no_store=True)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate="5/h", method="POST", block=False)
def ask(request, slug: str):
    """The question form, on its own page so the cached pages carry no CSRF token.

    POST stores the question for staff (never published until answered), then redirects
    back here with a confirmation (POST-redirect-GET). Honeypot submissions get the same
    confirmation but store nothing; more than five posts an hour from one address get 429.
    """
    if getattr(request, "limited", False):
        return too_many_requests(request, None)
    treatment = _treatment_or_404(request, slug)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:
            question_create(
                treatment=treatment,
                question=form.cleaned_data["question"],
                asker_name=form.cleaned_data["name"],
                asker_email=form.cleaned_data["email"],
            )
        messages.success(
            request,
            "Thank you, your question has reached the clinic. A clinician will reply by email, "
            "usually within two working days.",
        )
        return redirect("treatments:ask", slug=treatment.slug)
    crumbs = [
        ("Home", reverse("home")),
        ("Treatments", reverse("treatments:list")),
        (treatment.name, treatment.get_absolute_url()),
        ("Ask a question", reverse("treatments:ask", kwargs={"slug": treatment.slug})),
    ]
    return render(
        request,
        "treatments/ask.html",
        {
            "treatment": treatment,
            "form": form,
            "crumbs": crumbs,
            "is_preview": not treatment.is_published,
            "book_url": reverse("bookings:book") + f"?treatment={treatment.slug}",
            "jsonld": [breadcrumb_list(crumbs)],
        },
    )

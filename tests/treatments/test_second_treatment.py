"""A second treatment, added in admin by a content editor, reads only its own words: on its
pages, in the lists, in search data, in booking screening and in its emails."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.test import Client
from django.utils import timezone

from bookings import availability
from bookings.emails import completed_email, reminder_email
from tests.auth import login_staff
from tests.factories import ConsultationFactory
from tests.treatments import peel
from tests.treatments.helpers import by_type, form_data, text_of
from treatments.models import Treatment
from treatments.seed import microneedling_wording

pytestmark = pytest.mark.django_db

PAGES = {
    "overview": "/treatments/chemical-peel/",
    "benefits": "/treatments/chemical-peel/benefits/",
    "process": "/treatments/chemical-peel/process/",
    "aftercare": "/treatments/chemical-peel/aftercare/",
    "contraindications": "/treatments/chemical-peel/contraindications/",
    "faq": "/treatments/chemical-peel/faq/",
}


def assert_only_its_own(text: str) -> None:
    lowered = text.lower()
    for word in peel.MICRONEEDLING_WORDS:
        assert word not in lowered, word
    for sentence in microneedling_wording.WORDING.values():
        assert sentence not in text, sentence


@pytest.fixture
def editor_client(editor):
    return login_staff(Client(), editor)


@pytest.fixture
def chemical_peel(editor_client, client, microneedling):
    """The peel as an editor adds it (a draft) and then publishes it, in admin."""
    add = "/admin/treatments/treatment/add/"
    response = editor_client.post(add, peel.admin_form(form_data(editor_client.get(add))))
    assert response.status_code == 302, response.context["adminform"].form.errors
    treatment = Treatment.objects.get(slug="chemical-peel")
    assert not treatment.is_published
    assert client.get(PAGES["overview"]).status_code == 404

    change = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_data(editor_client.get(change)) | {"is_published": "on"}
    assert editor_client.post(change, data).status_code == 302
    treatment.refresh_from_db()
    assert treatment.is_published
    return treatment


def test_adding_a_treatment_asks_for_each_pages_heading_and_lead(editor_client):
    add = "/admin/treatments/treatment/add/"
    data = peel.admin_form(form_data(editor_client.get(add)))
    for name in ("benefits_heading", "faq_lead"):
        data.pop(name)
    response = editor_client.post(add, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"benefits_heading", "faq_lead"}
    assert not Treatment.objects.filter(slug="chemical-peel").exists()


def test_every_page_of_the_new_treatment_shows_its_own_wording(client, chemical_peel):
    pages = {key: client.get(path) for key, path in PAGES.items()}
    for key, response in pages.items():
        assert response.status_code == 200, key
        html = response.content.decode()
        assert_only_its_own(html)
        assert "Thinking about a chemical peel?" in text_of(response)
    t = peel.TREATMENT
    for key in ("benefits", "process", "aftercare", "contraindications", "faq"):
        html = pages[key].content.decode()
        assert f"<title>{t[f'{key}_heading']}</title>" in html
        assert f'<h1 class="treatment-title">{t[f"{key}_heading"]}</h1>' in html
        assert f'<meta name="description" content="{t[f"{key}_description"]}">' in html
    assert "A session usually takes 30 to 45 minutes. " + t["process_lead"] in text_of(
        pages["process"]
    )
    for key in ("benefits", "aftercare", "contraindications", "faq"):
        assert t[f"{key}_lead"] in text_of(pages[key]), key

    overview = text_of(pages["overview"])
    assert "What is a chemical peel?" in overview
    assert "30 to 45 minutes, including time to prepare your skin" in overview
    assert "3 to 5 sessions, 2 to 4 weeks apart" in overview
    assert t["summary"] in overview
    assert "More even skin tone" in text_of(pages["benefits"])
    assert "Applying the peel" in text_of(pages["process"])
    assert "Let flaking skin come away by itself." in text_of(pages["aftercare"])
    assert "Isotretinoin (Roaccutane)" in text_of(pages["contraindications"])
    assert "Will my skin visibly peel?" in text_of(pages["faq"])


def test_search_data_of_the_new_treatment_is_its_own(client, chemical_peel):
    overview = client.get(PAGES["overview"])
    procedure = by_type(overview, "MedicalProcedure")
    assert procedure["name"] == "Chemical peel"
    assert procedure["description"] == peel.TREATMENT["summary"]
    assert "Applying the peel" in procedure["howPerformed"]
    assert "sunscreen every day" in procedure["preparation"]
    assert procedure["bodyLocation"] == "Face, Neck, Hands"
    faq = by_type(client.get(PAGES["faq"]), "FAQPage")
    assert [q["name"] for q in faq["mainEntity"]] == [q for q, _ in peel.QUESTIONS]
    assert_only_its_own(str(procedure) + str(faq))

    sitemap = client.get("/sitemap.xml").content.decode()
    for path in PAGES.values():
        assert f"{path}</loc>" in sitemap


def _card(html: str, heading: str) -> str:
    """The list card whose heading links to the treatment."""
    start = html.index(heading)
    return html[start : html.index("</", html.index("Read", start))]


def test_the_lists_show_each_treatment_with_its_own_words(client, chemical_peel):
    for path in ("/treatments/", "/"):
        html = client.get(path).content.decode()
        assert "Microneedling" in html
        card = _card(html, ">Chemical peel</a>")
        assert peel.TREATMENT["summary"] in card
        assert_only_its_own(card)
    home = text_of(client.get("/"))
    assert "Read about a chemical peel" in home
    assert "Read about microneedling" in home


def _first_free_day() -> dt.date:
    slots = availability.upcoming_free_slots(availability.load_rules(), now=timezone.now())
    return min(slots)


def test_booking_the_new_treatment_asks_its_own_questions_for_the_chosen_day(client, chemical_peel):
    day = _first_free_day()
    response = client.get(f"/book/?treatment=chemical-peel&date={day.isoformat()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert_only_its_own(html)
    text = text_of(response)
    assert "check that a chemical peel is safe for you" in text
    two_weeks = f"{day - dt.timedelta(days=14):%-d %B}"
    assert (
        f"Between {two_weeks} and {day:%-d %B %Y}, have you had a peel, laser treatment or "
        "waxing on the area?"
    ) in text
    assert f"Between {two_weeks} and {day:%-d %B %Y}, have you had sunburn on the area?" in text
    assert "Are you pregnant or breastfeeding?" in text
    six_months = day - relativedelta(months=6)
    first = f"{six_months:%-d %B}" if six_months.year == day.year else f"{six_months:%-d %B %Y}"
    assert f"Between {first} and {day:%-d %B %Y}, have you taken isotretinoin (Roaccutane)?" in text


def test_the_new_treatments_emails_carry_its_own_advice(chemical_peel):
    start = timezone.now() + dt.timedelta(days=2)
    consultation = ConsultationFactory(treatment=chemical_peel, starts_at=start, status="confirmed")
    reminder = reminder_email(consultation)
    for body in (reminder.body_text, reminder.body_html):
        assert "wear sunscreen every day" in body
        assert "Chemical peel" in body
        assert_only_its_own(body)

    consultation.status = "completed"
    consultation.save(update_fields=["status"])
    done = completed_email(consultation)
    for body in (done.body_text, done.body_html):
        assert "for a chemical peel (session 1)" in body
        assert "Let flaking skin come away by itself." in body
        assert "if your skin blisters, weeps or becomes very painful" in body
        assert_only_its_own(body)
    assert not mail.outbox

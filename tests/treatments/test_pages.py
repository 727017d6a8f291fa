import re

import pytest
from django.urls import reverse

from tests.factories import TreatmentFactory
from tests.treatments.helpers import ALL_PATHS, SECTION_PATHS, text_of
from treatments.services import treatment_content_changed

pytestmark = pytest.mark.django_db


def test_fresh_install_lists_microneedling_on_the_treatments_page(client, microneedling):
    response = client.get(reverse("treatments:list"))
    assert response.status_code == 200
    assert "Microneedling" in text_of(response)
    assert 'href="/treatments/microneedling/"' in response.content.decode()


def test_overview_gives_the_course_session_length_downtime_and_results_timeline(
    client, microneedling
):
    text = text_of(client.get(SECTION_PATHS["overview"]))
    assert "3 to 6 sessions, 4 to 6 weeks apart" in text
    assert "30 to 60 minutes" in text
    assert "red" in text and "few days" in text  # downtime is honest, never "zero"
    assert "zero downtime" not in text.lower()
    assert "about four weeks after the first session" in text
    assert "up to three months" in text
    for area in ("Face", "Neck", "Décolletage", "Hands", "Scalp", "Stretch marks"):
        assert area in text
    assert "collagen induction therapy" in text


def test_overview_shows_a_price_only_when_staff_set_one(client, microneedling):
    assert "PKR" not in text_of(client.get(SECTION_PATHS["overview"]))
    microneedling.price_from_pkr = 15000
    microneedling.save()
    treatment_content_changed()  # what the admin save does
    assert "From PKR 15,000 per session" in text_of(client.get(SECTION_PATHS["overview"]))


def test_benefits_page_names_what_microneedling_may_help(client, microneedling):
    text = text_of(client.get(SECTION_PATHS["benefits"]))
    for benefit in (
        "texture",
        "fine lines",
        "acne scars",
        "surgical scars",
        "Stretch marks",
        "pores",
        "pigmentation",
        "absorption",
        "glow",
        "hair growth",
        "Minimally invasive",
        "all skin types and tones",
    ):
        assert benefit.lower() in text.lower(), benefit
    assert "no result can be promised" in text


def test_process_page_walks_through_consultation_numbing_treatment_and_afterwards(
    client, microneedling
):
    text = text_of(client.get(SECTION_PATHS["process"]))
    for fact in (
        "Consultation",
        "numbing cream",
        "pen or roller",
        "deeper for scars, shallower",
        "calming serum",
        "mild sunburn",
        "Before your appointment",
    ):
        assert fact in text, fact


def test_aftercare_page_tells_about_sunscreen_and_waiting_24_hours_before_make_up(
    client, microneedling
):
    text = text_of(client.get(SECTION_PATHS["aftercare"]))
    assert "First 24 hours" in text and "First week" in text and "Ongoing" in text
    assert "broad-spectrum sunscreen" in text
    assert "Wait at least 24 hours before wearing make-up" in text
    assert "gentle, unscented cleanser" in text
    assert "Moisturise" in text
    assert "saunas" in text and "swimming" in text
    # side effects, stated plainly
    for effect in ("redness", "swelling", "bruising", "bleeding", "infection", "scarring"):
        assert effect in text.lower(), effect


def test_aftercare_groups_come_in_time_order(client, microneedling):
    text = text_of(client.get(SECTION_PATHS["aftercare"]))
    assert text.index("First 24 hours") < text.index("First week") < text.index("Ongoing")


def test_contraindications_page_names_who_should_not_have_it(client, microneedling):
    text = text_of(client.get(SECTION_PATHS["contraindications"]))
    for condition in (
        "Eczema",
        "Rosacea",
        "rash",
        "Active skin infection",
        "Open wounds",
        "Under 18",
        "Pregnancy",
        "isotretinoin",
        "Blood thinners",
    ):
        assert condition.lower() in text.lower(), condition
    assert text.index("When we will not treat you") < text.index("When we need to talk first")


def test_faq_page_answers_common_questions(client, microneedling):
    text = text_of(client.get(SECTION_PATHS["faq"]))
    for question in (
        "Does microneedling hurt?",
        "How many sessions will I need?",
        "How long is the downtime?",
        "When will I see results?",
        "PRP",
        "roller at home",
        "darker skin",
    ):
        assert question in text, question


@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_treatment_page_has_one_h1_a_title_and_a_booking_action(client, microneedling, path):
    html = client.get(path).content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(r"<title>[^<]+</title>", html)
    if path != "/treatments/":
        assert 'href="/book/?treatment=microneedling"' in html
        assert "Book a consultation" in html


def test_titles_and_descriptions_are_unique_per_page(client, microneedling):
    titles, descriptions = set(), set()
    for path in ALL_PATHS:
        html = client.get(path).content.decode()
        titles.add(re.search(r"<title>([^<]+)</title>", html).group(1))
        descriptions.add(re.search(r'<meta name="description" content="([^"]+)"', html).group(1))
    assert len(titles) == len(ALL_PATHS)
    assert len(descriptions) == len(ALL_PATHS)


@pytest.mark.parametrize("key", list(SECTION_PATHS))
def test_sub_navigation_marks_the_current_page_and_breadcrumbs_lead_home(
    client, microneedling, key
):
    html = client.get(SECTION_PATHS[key]).content.decode()
    nav = re.search(
        r'<nav class="section-nav" aria-label="Microneedling pages">(.*?)</nav>', html, re.S
    )
    assert nav, "sub-navigation with a label"
    current = re.findall(r'<a [^>]*href="([^"]+)"[^>]*aria-current="page"', nav.group(1))
    assert current == [SECTION_PATHS[key]]
    crumbs = re.search(r'<nav aria-label="Breadcrumb"(.*?)</nav>', html, re.S).group(1)
    assert 'href="/"' in crumbs and 'href="/treatments/"' in crumbs


def test_previous_and_next_links_walk_through_the_section(client, microneedling):
    html = client.get(SECTION_PATHS["aftercare"]).content.decode()
    pager = re.search(r'aria-label="Previous and next pages">(.*?)</nav>', html, re.S).group(1)
    assert f'href="{SECTION_PATHS["process"]}"' in pager
    assert f'href="{SECTION_PATHS["contraindications"]}"' in pager


@pytest.mark.parametrize("path", ALL_PATHS)
def test_treatment_pages_carry_no_inline_script_or_style(client, microneedling, path):
    html = client.get(path).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=\"", html)
    assert not re.search(r"\son[a-z]+=\"", html)


def test_markdown_from_staff_is_rendered_but_raw_html_is_not(client):
    TreatmentFactory(
        slug="peel",
        name="Peel",
        introduction="**Gentle** peel.\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
    )
    html = client.get("/treatments/peel/").content.decode()
    assert "<strong>Gentle</strong>" in html
    assert "<script>alert(1)" not in html
    assert "onerror" not in html


def test_unpublished_treatment_is_not_found_by_the_public(client):
    TreatmentFactory(slug="draft", is_published=False)
    for page in ("overview", "benefits", "faq", "ask"):
        response = client.get(reverse(f"treatments:{page}", kwargs={"slug": "draft"}))
        assert response.status_code == 404, page
    assert "draft" not in client.get("/treatments/").content.decode()


def test_staff_can_preview_an_unpublished_treatment_with_a_banner(client, staff_user):
    TreatmentFactory(slug="draft", name="Draft laser", is_published=False)
    client.force_login(staff_user)
    response = client.get("/treatments/draft/aftercare/")
    assert response.status_code == 200
    assert "Preview: not published" in response.content.decode()


def test_staff_without_view_permission_cannot_preview(client):
    from tests.factories import UserFactory

    TreatmentFactory(slug="draft", is_published=False)
    client.force_login(UserFactory(username="reception"))
    assert client.get("/treatments/draft/").status_code == 404


def test_unknown_treatment_is_not_found(client, microneedling):
    assert client.get("/treatments/no-such-thing/").status_code == 404


def test_a_treatment_without_page_wording_falls_back_to_its_own_name_and_summary(client):
    TreatmentFactory(
        slug="laser-hair-removal", name="Laser hair removal", summary="Light that slows regrowth."
    )
    response = client.get("/treatments/laser-hair-removal/aftercare/")
    html = response.content.decode()
    assert '<h1 class="treatment-title">Laser hair removal</h1>' in html
    assert '<p class="lead mb-0">Light that slows regrowth.</p>' in html
    assert '<meta name="description" content="Light that slows regrowth.">' in html
    assert "Thinking about laser hair removal?" in text_of(response)


def test_a_session_of_one_length_reads_as_about_that_long(client):
    TreatmentFactory(
        slug="peel", session_minutes_min=30, session_minutes_max=30, process_lead="Step by step."
    )
    text = text_of(client.get("/treatments/peel/process/"))
    assert "A session usually takes about 30 minutes. Step by step." in text
    assert "30 to 30" not in text

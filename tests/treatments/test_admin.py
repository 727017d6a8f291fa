import pytest
from django.contrib.auth.models import Group

from tests.factories import QuestionFactory, TreatmentFactory
from tests.treatments import peel
from tests.treatments.helpers import SECTION_PATHS, form_data, text_of
from treatments.models import Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_question(microneedling):
    return QuestionFactory(
        treatment=microneedling,
        question="Is it safe during pregnancy?",
        answer="",
        is_published=False,
        source=Question.Source.PATIENT,
        asker_name="Hina",
        asker_email="hina@example.com",
    )


def admin_pages(treatment, question):
    base = "/admin/treatments/"
    return [
        base,
        f"{base}treatment/",
        f"{base}treatment/add/",
        f"{base}treatment/{treatment.pk}/change/",
        f"{base}treatment/{treatment.pk}/delete/",
        f"{base}treatment/?is_published__exact=1&q=needl",
        f"{base}question/",
        f"{base}question/add/",
        f"{base}question/{question.pk}/change/",
        f"{base}question/{question.pk}/delete/",
        f"{base}question/?answer=awaiting",
        f"{base}question/?answer=answered&source__exact=patient",
    ]


def test_every_treatments_admin_page_loads(admin_client, microneedling, patient_question):
    for url in admin_pages(microneedling, patient_question):
        assert admin_client.get(url).status_code == 200, url


def test_change_form_shows_every_part_inline_and_a_view_on_site_link(admin_client, microneedling):
    html = admin_client.get(f"/admin/treatments/treatment/{microneedling.pk}/change/").content
    html = html.decode()
    for prefix in ("benefits", "process_steps", "aftercare", "contraindications", "questions"):
        assert f'name="{prefix}-TOTAL_FORMS"' in html, prefix
    assert "View on site" in html
    assert "No photo: the page shows the clinic" in html


def test_awaiting_answer_filter_shows_patient_questions(admin_client, patient_question):
    html = admin_client.get("/admin/treatments/question/?answer=awaiting").content.decode()
    assert "Is it safe during pregnancy?" in html
    assert "Does microneedling hurt?" not in html


def test_staff_answer_and_publish_a_patient_question_in_admin(
    admin_client, client, patient_question
):
    client.get(SECTION_PATHS["faq"])  # a cached copy exists
    url = f"/admin/treatments/question/{patient_question.pk}/change/"
    data = form_data(admin_client.get(url)) | {
        "answer": "We wait until after pregnancy and breastfeeding.",
        "is_published": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    text = text_of(client.get(SECTION_PATHS["faq"]))
    assert "Is it safe during pregnancy?" in text
    assert "hina@example.com" not in text


def test_publishing_requires_an_answer(admin_client, patient_question):
    url = f"/admin/treatments/question/{patient_question.pk}/change/"
    data = form_data(admin_client.get(url)) | {"is_published": "on"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Write an answer before publishing" in response.content.decode()


def test_publish_action_skips_unanswered_questions(admin_client, patient_question):
    answered = QuestionFactory(
        treatment=patient_question.treatment, answer="Yes.", is_published=False
    )
    admin_client.post(
        "/admin/treatments/question/",
        {"action": "publish", "_selected_action": [patient_question.pk, answered.pk]},
    )
    patient_question.refresh_from_db()
    answered.refresh_from_db()
    assert answered.is_published
    assert not patient_question.is_published


def test_editing_an_inline_in_admin_clears_the_cached_page(admin_client, client, microneedling):
    assert "Wait at least 24 hours" in text_of(client.get(SECTION_PATHS["aftercare"]))
    url = f"/admin/treatments/treatment/{microneedling.pk}/change/"
    data = form_data(admin_client.get(url))
    key = next(k for k, v in data.items() if k.startswith("aftercare-") and v.startswith("Wait at"))
    data[key] = "Please wait a full day before wearing make-up."
    response = admin_client.post(url, data)
    assert response.status_code == 302
    text = text_of(client.get(SECTION_PATHS["aftercare"]))
    assert "Please wait a full day before wearing make-up." in text
    assert "Wait at least 24 hours" not in text


def test_unpublishing_in_admin_takes_the_pages_down_at_once(admin_client, client, microneedling):
    assert client.get(SECTION_PATHS["overview"]).status_code == 200
    url = f"/admin/treatments/treatment/{microneedling.pk}/change/"
    data = form_data(admin_client.get(url))
    data.pop("is_published")
    assert admin_client.post(url, data).status_code == 302
    assert client.get(SECTION_PATHS["overview"]).status_code == 404


def test_staff_can_add_a_treatment_with_a_prepopulated_slug(admin_client, client):
    wording = {k: v for k, v in peel.TREATMENT.items() if k.endswith(("_heading", "_lead"))}
    data = (
        form_data(admin_client.get("/admin/treatments/treatment/add/"))
        | wording
        | {
            "name": "Chemical peel",
            "slug": "chemical-peel",
            "summary": "A peel.",
            "introduction": "About peels.",
            "downtime": "Some flaking.",
            "results_timeline": "A few weeks.",
            "is_published": "on",
        }
    )
    response = admin_client.post("/admin/treatments/treatment/add/", data)
    assert response.status_code == 302
    assert "Chemical peel" in text_of(client.get("/treatments/"))


def test_content_editors_can_edit_treatments_and_questions_but_not_bookings(
    client, editor, microneedling, patient_question
):
    group = Group.objects.get(name="Content editors")
    codenames = set(group.permissions.values_list("codename", flat=True))
    for model in ("treatment", "benefit", "processstep", "aftercareinstruction"):
        for action in ("add", "change", "delete", "view"):
            assert f"{action}_{model}" in codenames
    assert {"change_question", "change_contraindication"} <= codenames
    assert not group.permissions.exclude(content_type__app_label="treatments").exists()

    client.force_login(editor)
    for url in admin_pages(microneedling, patient_question):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/auth/user/").status_code == 403
    index = client.get("/admin/").content.decode()
    assert "Bookings" not in index and "Consultation" not in index


def test_editors_can_preview_unpublished_treatments(client, editor):
    TreatmentFactory(slug="draft", is_published=False)
    client.force_login(editor)
    assert "Preview: not published" in client.get("/treatments/draft/").content.decode()

import pytest
from django.test import Client

from tests.treatments.helpers import SECTION_PATHS, form_data, text_of
from treatments.models import Question
from treatments.services import question_publish

pytestmark = pytest.mark.django_db
ASK = "/treatments/microneedling/ask/"


def ask(client, **fields):
    data = form_data(client.get(ASK)) | {
        "name": "Sana Malik",
        "email": "sana@example.com",
        "question": "Can I have microneedling during Ramadan?",
    }
    data.update(fields)
    return client.post(ASK, data)


def test_every_treatment_page_links_to_the_question_form(client, microneedling):
    for path in SECTION_PATHS.values():
        assert f'href="{ASK}"' in client.get(path).content.decode()


def test_a_question_is_stored_for_staff_and_the_patient_sees_a_calm_confirmation(
    client, microneedling
):
    response = ask(client)
    assert response.status_code == 302
    assert response["Location"] == ASK
    follow = client.get(ASK)
    assert "your question has reached the clinic" in text_of(follow)
    question = Question.objects.get(question="Can I have microneedling during Ramadan?")
    assert question.source == Question.Source.PATIENT
    assert question.is_published is False
    assert question.asker_email == "sana@example.com"


def test_an_unanswered_question_stays_off_the_faq_page(client, microneedling):
    ask(client)
    assert "during Ramadan" not in text_of(client.get(SECTION_PATHS["faq"]))


def test_a_published_answer_shows_on_the_faq_page_without_name_or_email(client, microneedling):
    ask(client)
    question = Question.objects.get(source=Question.Source.PATIENT)
    question.answer = "Yes, many patients do; come after iftar if you prefer."
    question.save()
    question_publish(question=question)
    html = client.get(SECTION_PATHS["faq"]).content.decode()
    assert "during Ramadan" in html
    assert "after iftar" in html
    assert "sana@example.com" not in html
    assert "Sana Malik" not in html


def test_the_honeypot_pretends_success_but_stores_nothing(client, microneedling):
    response = ask(client, website="http://spam.example")
    assert response.status_code == 302
    assert not Question.objects.filter(source=Question.Source.PATIENT).exists()


def test_too_many_questions_from_one_address_get_a_friendly_429(client, microneedling):
    for _ in range(5):
        assert ask(client).status_code == 302
    response = ask(client)
    assert response.status_code == 429
    assert "a lot of requests" in response.content.decode()
    assert Question.objects.filter(source=Question.Source.PATIENT).count() == 5


def test_a_post_without_csrf_token_is_refused_not_an_error(microneedling):
    client = Client(enforce_csrf_checks=True)
    response = client.post(ASK, {"name": "A", "email": "a@example.com", "question": "Hello there"})
    assert response.status_code == 403
    assert not Question.objects.filter(source=Question.Source.PATIENT).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("question", "x" * 5000, "under 300 characters"),
        ("name", "n" * 1000, "under 100 characters"),
        ("email", "x" * 300 + "@example.com", ""),
        ("email", "not-an-email", "does not look like an email"),
        ("name", "Ali\x00Khan", ""),
        ("name", "Ali\x1bKhan", "hidden control characters"),
        ("question", "Is it safe?\x07\x08", "hidden control characters"),
        ("name", "evil\u202eredli", "hidden control characters"),
        ("question", "", "Please write your question"),
        ("name", "   ", "Please tell us your name"),
    ],
    ids=[
        "long-question",
        "long-name",
        "long-email",
        "bad-email",
        "null-byte",
        "escape-char",
        "bell-in-question",
        "rtl-override",
        "empty-question",
        "blank-name",
    ],
)
def test_hostile_input_gets_a_clear_error_next_to_the_field_and_keeps_what_was_typed(
    client, microneedling, field, value, message
):
    response = ask(client, **{field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    if message:
        assert message in html
    assert 'aria-invalid="true"' in html
    # the other fields keep their values
    if field != "question":
        assert "Can I have microneedling during Ramadan?" in html
    if field != "email":
        assert 'value="sana@example.com"' in html
    assert not Question.objects.filter(source=Question.Source.PATIENT).exists()


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert('x')</script> does it hurt?",
        "'; DROP TABLE treatments_question; --",
        "Is it OK after laser? 😊✨",
        "هل العلاج آمن للبشرة الداكنة؟",
        "مائیکرو نیڈلنگ کتنی دیر لیتی ہے؟",
    ],
    ids=["html", "sql", "emoji", "arabic", "urdu"],
)
def test_unusual_but_harmless_questions_are_stored_as_plain_text(client, microneedling, question):
    assert ask(client, question=question).status_code == 302
    stored = Question.objects.get(source=Question.Source.PATIENT)
    assert stored.question == question
    stored.answer = "An answer."
    stored.save()
    question_publish(question=stored)
    html = client.get(SECTION_PATHS["faq"]).content.decode()
    assert "<script>alert('x')" not in html


def test_hostile_input_is_shown_back_escaped(client, microneedling):
    response = ask(client, name='"><script>alert(1)</script>' + "n" * 100)
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_questions_cannot_be_asked_about_unpublished_treatments(client, microneedling):
    microneedling.is_published = False
    microneedling.save()
    assert client.get(ASK).status_code == 404
    assert client.post(ASK, {}).status_code == 404

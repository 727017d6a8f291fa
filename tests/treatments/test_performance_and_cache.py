import pytest
from django.core.cache import cache

from tests.factories import QuestionFactory
from tests.treatments.helpers import ALL_PATHS, SECTION_PATHS, form_data, text_of
from treatments.models import Question
from treatments.services import question_publish

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [path for path in ALL_PATHS if not path.endswith("/ask/")]


@pytest.mark.parametrize("path", ALL_PATHS)
def test_each_treatment_page_needs_at_most_four_queries_with_an_empty_cache(
    client, microneedling, django_assert_max_num_queries, path
):
    cache.clear()
    # The treatment, the rows of its page, the clinic's details, the opening hours.
    with django_assert_max_num_queries(4):
        response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_repeat_visit_is_served_from_the_cache_without_queries(
    client, microneedling, django_assert_num_queries, path
):
    first = client.get(path)
    with django_assert_num_queries(0):
        second = client.get(path)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_cached_pages_carry_no_csrf_token_or_cookie(client, microneedling, path):
    client.get(path)
    response = client.get(path)
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "csrftoken" not in response.cookies


def test_the_question_form_page_is_never_cached(client, microneedling):
    response = client.get("/treatments/microneedling/ask/")
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "X-Page-Cache" not in response


def test_staff_preview_is_never_cached_for_the_public(client, staff_user, microneedling):
    microneedling.is_published = False
    microneedling.save()
    client.force_login(staff_user)
    assert "Preview: not published" in client.get(SECTION_PATHS["overview"]).content.decode()
    client.logout()
    assert client.get(SECTION_PATHS["overview"]).status_code == 404


def test_staff_never_get_the_public_cached_copy(client, staff_user, microneedling):
    client.get(SECTION_PATHS["overview"])  # stored for the public
    client.force_login(staff_user)
    response = client.get(SECTION_PATHS["overview"])
    assert "X-Page-Cache" not in response


def test_a_page_with_a_message_is_neither_served_from_nor_put_in_the_cache(client, microneedling):
    client.get(SECTION_PATHS["faq"])  # cached copy without a message
    ask = client.get("/treatments/microneedling/ask/")
    data = form_data(ask) | {
        "name": "Amina",
        "email": "amina@example.com",
        "question": "Can I exercise the next day?",
    }
    client.post("/treatments/microneedling/ask/", data)
    # the confirmation is waiting in the message store: the next page must show it fresh
    response = client.get(SECTION_PATHS["faq"])
    assert "X-Page-Cache" not in response
    assert "your question has reached the clinic" in text_of(response)
    assert "your question has reached the clinic" not in text_of(client.get(SECTION_PATHS["faq"]))


def test_publishing_an_answer_clears_the_cached_faq_page(client, microneedling):
    question = QuestionFactory(
        treatment=microneedling,
        question="Is it safe in summer?",
        is_published=False,
        source=Question.Source.PATIENT,
    )
    assert "Is it safe in summer?" not in text_of(client.get(SECTION_PATHS["faq"]))
    question_publish(question=question)
    assert "Is it safe in summer?" in text_of(client.get(SECTION_PATHS["faq"]))


def test_a_query_string_is_not_cached_separately(client, microneedling):
    client.get(SECTION_PATHS["overview"] + "?utm=x")
    assert "X-Page-Cache" not in client.get(SECTION_PATHS["overview"] + "?utm=x")

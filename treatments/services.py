"""Writes for the treatments app. Each says its side effects."""

from __future__ import annotations

from django.db import transaction

from clinic.page_cache import bump_content_version
from treatments.images import delete_renditions, generate_renditions
from treatments.models import Question, Treatment


def treatment_content_changed() -> None:
    """Forget every cached public treatment page (after staff change any content)."""
    bump_content_version()


def treatment_hero_renditions_update(*, treatment: Treatment) -> Treatment:
    """Make the WebP renditions of the treatment's hero photo, once, and store their metadata.

    Side effects, in order: deletes the previous renditions' files, writes new files to
    media storage, saves `hero_renditions`, clears cached pages. Without a photo the
    metadata is emptied. Called from the admin save path when the photo changed.
    """
    old = treatment.hero_renditions or {}
    if treatment.hero_image and old.get("source") == treatment.hero_image.name:
        return treatment  # already made for this photo
    delete_renditions(old)
    treatment.hero_renditions = (
        generate_renditions(treatment.hero_image) if treatment.hero_image else {}
    )
    treatment.save(update_fields=["hero_renditions", "updated_at"])
    treatment_content_changed()
    return treatment


def question_create(
    *, treatment: Treatment, question: str, asker_name: str, asker_email: str
) -> Question:
    """Store a patient's question for staff; it stays unpublished until staff answer it.

    No page changes, so the page cache is left alone.
    """
    item = Question(
        treatment=treatment,
        question=question,
        asker_name=asker_name,
        asker_email=asker_email,
        source=Question.Source.PATIENT,
        is_published=False,
        order=1000,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
    return item


def question_publish(*, question: Question) -> Question:
    """Publish an answered question on the FAQ page; clears cached pages.

    Raises ValidationError when the question has no answer. Publishing twice is a no-op.
    """
    if question.is_published:
        return question
    question.is_published = True
    question.full_clean()
    with transaction.atomic():
        question.save(update_fields=["is_published"])
    treatment_content_changed()
    return question


def question_unpublish(*, question: Question) -> Question:
    """Take a question off the FAQ page; clears cached pages. A repeated call is a no-op."""
    if not question.is_published:
        return question
    question.is_published = False
    with transaction.atomic():
        question.save(update_fields=["is_published"])
    treatment_content_changed()
    return question

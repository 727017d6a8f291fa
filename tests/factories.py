"""factory_boy factories shared by the whole suite."""

import factory
from django.contrib.auth import get_user_model

from treatments.models import (
    AftercareInstruction,
    Benefit,
    Contraindication,
    ProcessStep,
    Question,
    Treatment,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@khanclinic.example")
    first_name = factory.Faker("first_name")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Treatment {n}")
    slug = factory.Sequence(lambda n: f"treatment-{n}")
    summary = "A gentle treatment explained plainly."
    introduction = "What the treatment is and who it may suit."
    session_minutes_min = 30
    session_minutes_max = 60
    sessions_min = 3
    sessions_max = 6
    weeks_between_min = 4
    weeks_between_max = 6
    downtime = "Redness for a day or two."
    results_timeline = "Changes may show from about four weeks."
    is_published = True


class BenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benefit

    treatment = factory.SubFactory(TreatmentFactory)
    title = factory.Sequence(lambda n: f"Benefit {n}")
    body = "Why it may help."


class ProcessStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessStep

    treatment = factory.SubFactory(TreatmentFactory)
    title = factory.Sequence(lambda n: f"Step {n}")
    body = "What happens in this step."


class AftercareInstructionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AftercareInstruction

    treatment = factory.SubFactory(TreatmentFactory)
    period = AftercareInstruction.Period.FIRST_24_HOURS
    text = factory.Sequence(lambda n: f"Aftercare instruction {n}")


class ContraindicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contraindication

    treatment = factory.SubFactory(TreatmentFactory)
    name = factory.Sequence(lambda n: f"Condition {n}")
    screening_question = factory.LazyAttribute(lambda c: f"Do you have {c.name.lower()}?")
    explanation = "Why this matters for the treatment."
    severity = Contraindication.Severity.DISCUSS


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    treatment = factory.SubFactory(TreatmentFactory)
    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "An honest answer."
    is_published = True


# --- bookings -------------------------------------------------------------------------
import datetime as _dt  # noqa: E402

from django.utils import timezone as _timezone  # noqa: E402


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A pending consultation three days ahead; pass starts_at (aware) for a set time."""

    class Meta:
        model = "bookings.Consultation"
        skip_postgeneration_save = True

    treatment = factory.SubFactory(TreatmentFactory)
    practitioner = factory.LazyFunction(lambda: first_practitioner())
    starts_at = factory.LazyFunction(lambda: _timezone.now() + _dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + _dt.timedelta(minutes=30))
    status = "pending"
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = "+923001234567"
    contact_preference = "phone"
    consent_version = "2026-11"
    consented_at = factory.LazyFunction(_timezone.now)

    @factory.post_generation
    def course(obj, create, extracted, **kwargs):
        """A session made here joins the patient's course as a service's change would
        leave it (which session waits for the next one)."""
        if create:
            from bookings.services import refresh_course

            refresh_course(obj.email, obj.treatment_id)
            obj.refresh_from_db(fields=["course_sessions_done"])


class PractitionerFactory(factory.django.DjangoModelFactory):
    """A practitioner who performs every treatment in all opening hours."""

    class Meta:
        model = "bookings.Practitioner"

    display_name = factory.Sequence(lambda n: f"Dr Practitioner {n}")


def first_practitioner():
    """The clinic's first practitioner (the one every new clinic has), made if missing."""
    from bookings.models import Practitioner

    return Practitioner.objects.order_by("pk").first() or PractitionerFactory(
        display_name="Practitioner 1"
    )

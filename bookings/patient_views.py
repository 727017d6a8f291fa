"""The patient's own pages: /my/ (ask for a sign-in link, or see one's consultations),
/my/sign-in/<token>/ (GET shows a Continue button, POST signs in) and /my/sign-out/.
How signing in works, and why, is in ``bookings.patients``."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from bookings import patients, waitlist
from clinic.views import too_many_requests

CONTACT_GROUP = "bookings.my_link_contact"


def link_rate(group, request) -> str:
    """Sign-in links asked for per IP address (the shared cache counts them)."""
    return getattr(settings, "PATIENT_LINK_RATE_LIMIT", "5/h")


def contact_rate(group, request) -> str:
    """Sign-in links sent per email address or phone number, wherever they are asked for."""
    return getattr(settings, "PATIENT_LINK_CONTACT_RATE_LIMIT", "3/h")


def _contact_limited(request, contact: patients.Contact) -> bool:
    return is_ratelimited(
        request,
        group=CONTACT_GROUP,
        key=lambda group, request: contact.digest(),
        rate=contact_rate,
        increment=True,
    )


@never_cache
@ratelimit(key="ip", rate=link_rate, method="POST", block=False)
@require_http_methods(["GET", "HEAD", "POST"])
def my_consultations(request):
    """GET: the signed-in patient's consultations, or the form asking for a link. POST:
    send a link. The answer is the same page and status whether or not the address is
    known; a contact asked for too often gets the same answer and no more emails."""
    if request.method == "POST":
        if getattr(request, "limited", False):
            return too_many_requests(request, None)
        form = patients.ContactForm(request.POST)
        if not form.is_valid():
            return render(request, "bookings/my_start.html", {"form": form}, status=400)
        contact = form.cleaned_data["contact"]
        if not _contact_limited(request, contact):
            patients.sign_in_links_send(contact)
        return render(
            request,
            "bookings/my_sent.html",
            {"by_phone": bool(contact.phone), "minutes": patients.link_minutes()},
        )
    email = patients.signed_in_email(request)
    if email is None:
        return render(request, "bookings/my_start.html", {"form": patients.ContactForm()})
    context = {
        **patients.patient_consultations(email),
        "waitlist": waitlist.patient_waitlist(email),
        "email": email,
        "idle_minutes": getattr(settings, "PATIENT_IDLE_MINUTES", 20),
    }
    return render(request, "bookings/my_consultations.html", context)


def _link_problem(request, error: patients.SignInLinkError):
    return render(
        request,
        "bookings/my_link_invalid.html",
        {"reason": error.reason},
        status=404 if error.reason == "invalid" else 410,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def my_sign_in(request, token: str):
    """GET only checks the link (a mail scanner opening it uses nothing); POST uses it."""
    if request.method != "POST":
        try:
            patients.sign_in_link(token)
        except patients.SignInLinkError as error:
            return _link_problem(request, error)
        return render(request, "bookings/my_sign_in.html", {"token": token})
    try:
        email = patients.sign_in_link_use(token)
    except patients.SignInLinkError as error:
        return _link_problem(request, error)
    patients.sign_in(request, email)
    return redirect("bookings:my")


@never_cache
@require_POST
def my_sign_out(request):
    patients.sign_out(request)
    messages.success(request, "You are signed out.")
    return redirect("bookings:my")

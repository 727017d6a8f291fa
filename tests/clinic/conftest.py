# Site-wide behaviour is often seen through the booking form: its fixtures serve here too.
from tests.bookings.conftest import (  # noqa: F401
    booking_rules,
    first_free,
    form_data,
    free_slots,
    privacy_notice,
    treatment,
)

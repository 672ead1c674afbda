"""URLs of expert consultations. Each view module owns its own ``urlpatterns``."""

from consultations.views import availability, booking

app_name = "consultations"

urlpatterns = [*availability.urlpatterns, *booking.urlpatterns]

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm


class ActivityPageForm(WagtailAdminPageForm):
    """Refuses to delete a session that people have registered for."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("sessions")
        if formset is None:
            return cleaned
        for form in formset.forms:
            session = form.instance
            if not session.pk or not _marked_for_deletion(form):
                continue
            if session.registrations.exists():
                form.add_error(
                    None,
                    _(
                        "This session cannot be deleted: people have registered for it. "
                        "Cancel the session's registrations first, or change its time instead."
                    ),
                )
                self.add_error(
                    None,
                    _("A session with registrations cannot be deleted (see the sessions below)."),
                )
        return cleaned


def _marked_for_deletion(form) -> bool:
    """Whether the editor ticked a formset row's delete box (read from the raw data, as the
    row itself may not have been validated yet when the page form is cleaned)."""
    field = form.fields.get("DELETE")
    if field is None:
        return False
    raw = field.widget.value_from_datadict(form.data, form.files, form.add_prefix("DELETE"))
    return bool(field.clean(raw))

"""Messages of installed packages that the portal translates itself.

Not imported anywhere: ``make makemessages`` reads the msgids below into the portal's
catalogue (locale/zh_Hans), which Django consults before any app's own (``LOCALE_PATHS``
take precedence), so our msgstrs replace the packages' for these strings:

- django-allauth's zh_Hans catalogue mixes languages on the account pages ("Email地址",
  "重发验证Email", "用户名或email");
- Wagtail's zh_Hans catalogue lacks strings of its newer admin screens, which then show
  in English inside the Chinese admin ("72 Pages created in…", "Search all pages…").

The msgids must stay exactly as the packages write them (check after upgrading them:
tests/cms/test_catalogue.py renders the screens).
"""

from django.utils.translation import gettext_noop

ALLAUTH = [
    gettext_noop("Email"),
    gettext_noop("Username or email"),
    gettext_noop("The password reset token was invalid."),
    gettext_noop("Email Addresses"),
    gettext_noop("The following email addresses are associated with your account:"),
    gettext_noop("Primary"),
    gettext_noop("Re-send Verification"),
    gettext_noop("Add Email Address"),
    gettext_noop("Add Email"),
    gettext_noop("Do you really want to remove the selected email address?"),
    gettext_noop("Hello from %(site_name)s!"),
    gettext_noop("Email Changed"),
    gettext_noop("Your email has been confirmed."),
    gettext_noop("Email Confirmation"),
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop("Email address %(deleted_email)s has been removed from your account."),
    gettext_noop("Email Removed"),
    gettext_noop("Email Address"),
    gettext_noop("Current email"),
    gettext_noop("Change Email"),
    gettext_noop("Confirm Email Address"),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Removed email address %(email)s."),
    gettext_noop("Primary email address set."),
    gettext_noop("Bad Token"),
    gettext_noop("Verify Your Email Address"),
]

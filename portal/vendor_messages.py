# ruff: noqa: E501 (msgids are quoted whole, as the packages write them)
"""Messages of installed packages that the portal translates itself.

Not imported anywhere: ``make makemessages`` reads the msgids below into the portal's
catalogue (locale/zh_Hans), which Django consults before any app's own (``LOCALE_PATHS``
take precedence), so our msgstrs replace the packages' for these strings:

- django-allauth's zh_Hans catalogue mixes languages on the account pages ("Email地址",
  "重发验证Email", "用户名或email");
- Wagtail's zh_Hans catalogue lacks strings of its newer admin screens, which then show
  in English inside the Chinese admin ("72 Pages created in…", "Search all pages…").

The msgids must stay exactly as the packages write them. After upgrading Wagtail,
tests/cms/test_languages.py renders the admin screens in Chinese and names the strings
still missing; allauth's pages are checked by tests/test_account_language.py.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

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

# Strings of Wagtail's admin screens (dashboard, explorer, editor, search, reports,
# account) that its zh_Hans catalogue lacks, as found by rendering them in Chinese.
WAGTAIL = [
    gettext_noop(
        'JavaScript is required to use Wagtail, but it is currently disabled.<br /> Here are the <a href="https://www.enable-javascript.com/" target="_blank" rel="noreferrer">instructions how to enable JavaScript in your web browser</a>.'
    ),
    gettext_noop("Page types usage"),
    gettext_noop("Shortcuts"),
    gettext_noop("Application"),
    gettext_noop("Text editing"),
    gettext_noop("Text formatting"),
    gettext_noop("Show keyboard shortcuts"),
    gettext_noop("Toggle minimap"),
    gettext_noop("Close modal dialogs (like this one)"),
    gettext_noop("Save changes"),
    gettext_noop("Add or show comments"),
    gettext_noop("Cut"),
    gettext_noop("Paste"),
    gettext_noop("Paste without formatting"),
    gettext_noop("Insert or edit a link"),
    gettext_noop("Monospace (code)"),
    gettext_noop("Strike-through"),
    gettext_noop(
        "Keyboard shortcuts are currently enabled; manage your %(account_link)s to disable them."
    ),
    gettext_noop("Wagtail upgrade available"),
    gettext_noop(
        'Your version: <strong>%(current_version)s</strong>. New version: <strong data-w-upgrade-target="latestVersion"></strong>.'
    ),
    gettext_noop("Read the release notes."),
    ngettext_lazy(
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
        "count",
    ),
    ngettext_lazy(
        '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
        "count",
    ),
    ngettext_lazy(
        '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
        "count",
    ),
    gettext_noop("Search all pages…"),
    gettext_noop("Edit account avatar"),
    gettext_noop("Wagtail %(current_version)s editor guide"),
    gettext_noop("Exploring"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("Date updated"),
    gettext_noop("Edited by"),
    gettext_noop("Has child pages"),
    gettext_noop("Page type"),
    gettext_noop("Any"),
    ngettext_lazy(
        "Referenced %(count)s time",
        "Referenced %(count)s times",
        "count",
    ),
    gettext_noop("Available in %(translations_total)s locales"),
    gettext_noop("Locking: "),
    gettext_noop("Anyone can edit this %(model_name)s"),
    gettext_noop("Choose who can view the live version of this page"),
    gettext_noop("%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s"),
    gettext_noop("Table headers"),
    gettext_noop("Display the first row as a header"),
    gettext_noop("Display the first column as a header"),
    gettext_noop("Display the first row AND first column as headers"),
    gettext_noop("No headers"),
    gettext_noop("Which cells should be displayed as headers?"),
    gettext_noop(
        "A heading that identifies the overall topic of the table, and is useful for screen reader users."
    ),
    gettext_noop("Select a header option"),
    gettext_noop("Saved"),
    gettext_noop("Autosave is paused"),
    gettext_noop("A network error occurred"),
    gettext_noop(
        "Troubleshoot your connection to the site before proceeding. Open the editor in a separate tab to view the last saved version."
    ),
    gettext_noop("View latest version"),
    gettext_noop("Toggle checks"),
    gettext_noop("Checks"),
    gettext_noop("Anyone can edit this %(model_name)s – lock it to prevent others from editing"),
    gettext_noop("Correct the validation errors to resume preview (saving will highlight errors)"),
    gettext_noop("Show issue"),
    gettext_noop("Content metrics"),
    gettext_noop("Words"),
    gettext_noop("Reading time"),
    gettext_noop("Readability"),
    gettext_noop("This data explained"),
    gettext_noop("How we calculate our metrics"),
    gettext_noop(
        "We extract the main content from the page preview, remove all formatting, and calculate the number of words."
    ),
    gettext_noop(
        "We calculate reading time from word count, using different reading speeds for different languages."
    ),
    gettext_noop(
        "We use a readability formula based on length of words and sentences. Long sentences and words result in a worse readability score."
    ),
    gettext_noop(
        'See our <a href="%(guide_link)s" target="_blank">content checks guide</a> for more information on how content metrics are calculated.'
    ),
    gettext_noop("Button text is empty"),
    gettext_noop("Use meaningful text for screen reader users"),
    gettext_noop("Empty heading found"),
    gettext_noop("Table header text is empty"),
    gettext_noop("Empty frame title found"),
    gettext_noop("Use a meaningful title for screen reader users"),
    gettext_noop("Incorrect heading hierarchy"),
    gettext_noop("Avoid skipping levels"),
    gettext_noop("Input button text is empty"),
    gettext_noop("Link text is empty"),
    gettext_noop("Misusing paragraphs as headings"),
    gettext_noop("Use proper heading tags"),
    gettext_noop("Image alt text has inappropriate pattern"),
    gettext_noop("Use meaningful text"),
    gettext_noop("Meta description is empty"),
    gettext_noop("Add a concise description for search engines"),
    gettext_noop("Choose when this %(model_name)s should go live and/or expire"),
    gettext_noop("Choose when this page should go live and/or expire"),
    gettext_noop(
        'This publishing schedule will only take effect after you select the "Schedule to publish" option'
    ),
    gettext_noop("Actions (footer)"),
    gettext_noop("Autosave is <span>paused</span>"),
    gettext_noop("To be created by %(user)s"),
    gettext_noop("Is commenting action"),
    ngettext_lazy(
        "There is one matching page",
        "There are %(counter)s matching pages",
        "count",
    ),
    gettext_noop("Oldest"),
    gettext_noop("Usage count: (low to high)"),
    gettext_noop("Usage count: (high to low)"),
    gettext_noop("Grid layout"),
    gettext_noop("List layout"),
    gettext_noop("Go to the first error"),
    gettext_noop("Locked by"),
    gettext_noop("Anyone"),
    gettext_noop("Show disabled"),
    ngettext_lazy(
        "1 snippet type",
        "%(counter)s snippet types",
        "count",
    ),
    gettext_noop("Use server language: %(language_name)s"),
    gettext_noop("Enable custom keyboard shortcuts specific to Wagtail."),
    gettext_noop("admin theme"),
    gettext_noop("contrast"),
    gettext_noop("More contrast"),
    gettext_noop("density"),
    gettext_noop("Snug"),
    gettext_noop("Theme preferences"),
    gettext_noop("Save your changes before leaving"),
    ngettext_lazy(
        "%(num_pages)d page",
        "%(num_pages)d pages",
        "count",
    ),
    gettext_noop("By task"),
    ngettext_lazy(
        "This %(model_name)s is referenced %(usage_count)s time.",
        "This %(model_name)s is referenced %(usage_count)s times.",
        "count",
    ),
    gettext_noop(
        "<p>Select a file where redirects are separated into rows and contains the columns representing <code>from</code> and <code>to</code> (they can be named anything).</p> <p>After submitting you will be taken to a confirmation view where you can customize your redirects before import.</p>"
    ),
    gettext_noop("Assign your workflow to snippets"),
    gettext_noop("By workflow"),
    gettext_noop("Can access Wagtail admin"),
    gettext_noop("Can submit translations"),
    gettext_noop("Can view"),
    gettext_noop("Layout"),
    gettext_noop("New: %(model_name)s"),
    gettext_noop(
        "Pages/snippets at this step in a workflow will be moderated or approved by these groups of users"
    ),
    gettext_noop(
        "Please provide an image description to comply with best practices for accessibility."
    ),
    gettext_noop("Required. Letters, digits and @/./+/-/_ only."),
    gettext_noop(
        'There are no %(model_name)s to display. Why not <a href="%(add_url)s">add one</a>?'
    ),
    gettext_noop("Toggle all change permissions"),
    gettext_noop("Toggle all custom permissions"),
    gettext_noop("Toggle all delete permissions"),
    gettext_noop(
        "Upload successful. However, your new image seems to be a duplicate of this existing image. You may delete it if it wasn't required."
    ),
    gettext_noop(
        'Why not <a class="upload-one-now" href="#tab-upload" data-action="w-tabs#select:prevent" data-w-tabs-target="trigger" data-w-tabs-focus-param="true">upload one now</a>?'
    ),
    gettext_noop(
        'You haven\'t created any %(snippet_type_name)s snippets. Why not <a href="%(wagtailsnippets_create_snippet_url)s" target="_blank" rel="noreferrer">create one now</a>?'
    ),
    gettext_noop("You haven't uploaded any images."),
]

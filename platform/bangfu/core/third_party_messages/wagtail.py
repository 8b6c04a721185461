"""Wagtail's core and contrib apps, and the Django admin's names of its sections."""

from django.utils.translation import gettext_noop, ngettext_lazy

# Wagtail 8.0.1, core (``wagtail``): locks, view restrictions, references, workflow states, API
# tokens.
WAGTAIL = (
    gettext_noop("- Select an option -"),
    gettext_noop("Unknown content type"),
    gettext_noop("Date cannot be in the future."),
    gettext_noop("No one can make changes while the %(model_name)s is locked"),
    gettext_noop("<b>'{title}' was locked</b> by <b>you</b> on <b>{datetime}</b>."),
    gettext_noop("<b>'{title}' is locked</b> by <b>you</b>."),
    gettext_noop("<b>'{title}' was locked</b> by <b>{user}</b> on <b>{datetime}</b>."),
    gettext_noop("<b>'{title}' is locked</b>."),
    gettext_noop("Locked by you"),
    gettext_noop("Locked by another user"),
    gettext_noop("Only you can make changes while the %(model_name)s is locked"),
    gettext_noop("Only %(user)s can make changes while the %(model_name)s is locked"),
    gettext_noop("This %(model_name)s is currently awaiting moderation."),
    gettext_noop(
        "This {model_name} is awaiting <b>'{task_name}'</b> in the "
        "<b>'{workflow_name}'</b> workflow."
    ),
    gettext_noop("Only reviewers for this task can edit the %(model_name)s."),
    gettext_noop("Locked by workflow"),
    gettext_noop(
        "Reviewers can edit this %(model_name)s – lock it to prevent other reviewers from editing"
    ),
    gettext_noop("Only reviewers can edit and approve the %(model_name)s"),
    gettext_noop(
        "{model_name} '{title}' is locked and has been scheduled to go live at {datetime}"
    ),
    gettext_noop("Locked by schedule"),
    gettext_noop("Currently locked and will go live on the scheduled date"),
    gettext_noop("A human-readable label to identify this token."),
    gettext_noop("revoked at"),
    gettext_noop("last used at"),
    gettext_noop("API token"),
    gettext_noop("API tokens"),
    gettext_noop("locale"),
    gettext_noop("for content type"),
    gettext_noop(
        "The slug '%(page_slug)s' is already in use within the parent page at "
        "'%(parent_url_path)s'."
    ),
    gettext_noop("Cannot overwrite a revision that is not the latest for this %(model_name)s."),
    gettext_noop("Cannot overwrite a revision that was not created by the current user."),
    gettext_noop("the %(model_name)s will also be deleted"),
    gettext_noop("prevents deletion"),
    gettext_noop("will be set to the default %(model_name)s"),
    gettext_noop("will do nothing"),
    gettext_noop("may prevent deletion"),
    gettext_noop("will be set to a %(model_name)s specified by the system"),
    gettext_noop("will unset the reference"),
    gettext_noop("group site permission"),
    gettext_noop("group site permissions"),
    gettext_noop("Private, accessible with a shared password"),
    gettext_noop("Private, accessible to any logged-in users"),
    gettext_noop("shared password"),
    gettext_noop(
        "Shared passwords should not be used to protect sensitive content. Anyone who has "
        "this password will be able to view the content."
    ),
    gettext_noop(
        "There may only be one in progress or needs changes workflow state per page/snippet."
    ),
    gettext_noop("Workflow '%(workflow_name)s' on %(model_name)s '%(title)s': %(status)s"),
    gettext_noop(
        "Active workflows can be added to pages/snippets. Deactivating a workflow does not "
        "remove it from existing pages/snippets."
    ),
    gettext_noop(
        "Pages/snippets at this step in a workflow will be moderated or approved by these "
        "groups of users"
    ),
    gettext_noop("Task '%(task_name)s' on Revision '%(revision_info)s': %(status)s"),
    gettext_noop("Create API token"),
    gettext_noop("API token created"),
    gettext_noop("Revoke API token"),
    gettext_noop("API token revoked"),
    gettext_noop("%(model_name)s scheduled for publishing at %(go_live_at)s"),
    gettext_noop("%(model_name)s scheduled for publishing"),
    gettext_noop("%(model_name)s unscheduled for publishing at %(go_live_at)s"),
    gettext_noop("%(model_name)s unscheduled from publishing"),
    gettext_noop("Removed the '%(restriction)s' view restriction. The page is public."),
    gettext_noop("Resubmitted '%(task)s'. Workflow resumed"),
)

# Wagtail 8.0.1, users (``wagtail.users``): account preferences, group permissions, API tokens.
WAGTAIL_USERS = (
    gettext_noop("Required. Letters, digits and @/./+/-/_ only."),
    gettext_noop("admin theme"),
    gettext_noop("More contrast"),
    gettext_noop("contrast"),
    gettext_noop("Snug"),
    gettext_noop("density"),
    gettext_noop("Enable custom keyboard shortcuts specific to Wagtail."),
    gettext_noop("Yes, revoke"),
    gettext_noop("No, don't revoke"),
    gettext_noop(
        'The token "%(name)s" has been created, copy it now, it will never be shown again.'
    ),
    gettext_noop("Copy token"),
    gettext_noop("Back to API tokens"),
    gettext_noop("Copying failed — please select and copy the token manually."),
    gettext_noop("Revoked"),
    gettext_noop("Toggle all change permissions"),
    gettext_noop("Toggle all delete permissions"),
    gettext_noop("Toggle all custom permissions"),
    gettext_noop("Can view"),
    gettext_noop("Last used"),
    gettext_noop("Token"),
    gettext_noop("Revoke"),
    gettext_noop("Never"),
    gettext_noop("Are you sure you want to revoke this API token?"),
    gettext_noop("API token '%(name)s' revoked."),
)

# Wagtail 8.0.1, images.
WAGTAIL_IMAGES = (
    gettext_noop("unknown number"),
    gettext_noop("Layout"),
    gettext_noop("You haven't uploaded any images."),
    gettext_noop(
        'Why not <a class="upload-one-now" href="#tab-upload" '
        'data-action="w-tabs#select:prevent" data-w-tabs-target="trigger" '
        'data-w-tabs-focus-param="true">upload one now</a>?'
    ),
    ngettext_lazy(
        '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
    ),
    gettext_noop("Image focal point"),
    gettext_noop("Grid layout"),
    gettext_noop("List layout"),
    gettext_noop(
        "Please provide an image description to comply with best practices for accessibility."
    ),
    gettext_noop(
        "Upload successful. However, your new image seems to be a duplicate of this "
        "existing image. You may delete it if it wasn't required."
    ),
    gettext_noop("Oldest"),
    gettext_noop("Usage count: (low to high)"),
    gettext_noop("Usage count: (high to low)"),
    gettext_noop("Generate URL"),
    gettext_noop("The filter options you have selected are not valid."),
)

# Wagtail 8.0.1, documents.
WAGTAIL_DOCUMENTS = (
    gettext_noop("Maximum filesize: %(max_upload_size)s."),
    ngettext_lazy(
        '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
    ),
    gettext_noop("The document could not be created due to errors."),
    gettext_noop("The file could not be found. Please change the source or delete the document."),
)

# Wagtail 8.0.1, snippets.
WAGTAIL_SNIPPETS = (
    gettext_noop(
        "You haven't created any %(snippet_type_name)s snippets. Why not <a "
        'href="%(wagtailsnippets_create_snippet_url)s" target="_blank" '
        'rel="noreferrer">create one now</a>?'
    ),
)

# Wagtail 8.0.1, form pages (``wagtail.contrib.forms``).
WAGTAIL_FORMS = (
    gettext_noop(
        "The name '%(duplicate_clean_name)s' is already assigned to this field and cannot "
        "be changed. Please enter a different label for the conflicting field."
    ),
    gettext_noop(
        "Field name '%(duplicate_clean_name)s' conflicts with another field. Please change "
        "the label."
    ),
    gettext_noop(
        "Comma or new line separated list of choices. Only applicable in checkboxes, radio "
        "and dropdown."
    ),
    gettext_noop("Default value. Comma or new line separated values supported for checkboxes."),
    ngettext_lazy(
        "Are you sure you want to delete this form submission?",
        "Are you sure you want to delete these form submissions?",
    ),
)

# Wagtail 8.0.1, redirects (``wagtail.contrib.redirects``).
WAGTAIL_REDIRECTS = (
    gettext_noop(
        "<p>Select a file where redirects are separated into rows and contains the columns "
        "representing <code>from</code> and <code>to</code> (they can be named "
        "anything).</p> <p>After submitting you will be taken to a confirmation view where "
        "you can customize your redirects before import.</p>"
    ),
    gettext_noop('File format of type "%(extension)s" is not supported.'),
    gettext_noop("Imported file has a wrong encoding: %(error_message)s."),
    gettext_noop("%(error)s encountered while trying to read file: %(filename)s."),
)


# Wagtail's own Chinese keeps the product's name ("Wagtail 图片") in the section headings of the
# Django admin; ours names what the section holds.
WAGTAIL_APP_NAMES = (
    gettext_noop("Wagtail images"),
    gettext_noop("Wagtail documents"),
    gettext_noop("Wagtail embeds"),
)

from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "afterdesk.returns"
    label = "returns"
    verbose_name = "Returns"

    def ready(self) -> None:
        # The return emails' variables join the replies app's, so a template using them is
        # saved and listed like any other (docs/returns.md, "Emails to the buyer").
        from afterdesk.replies.render import VARIABLES
        from afterdesk.returns.services.emails import RETURN_VARIABLES

        for name, description in RETURN_VARIABLES.items():
            VARIABLES.setdefault(name, description)
        # The history shows the return steps' notes in the reader's language (core.event_text).
        from afterdesk.returns.phrases import return_text_register

        return_text_register()

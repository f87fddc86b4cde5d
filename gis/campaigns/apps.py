"""Digital safety walks run as time-boxed campaigns: residents' anonymous points, avoided ways
and places and answers, moderated, summarised and exported."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "gis.campaigns"
    label = "campaigns"
    verbose_name = _("Digital walks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gis.campaigns import retention
        from walks import retention as walks_retention

        if retention.kinds not in walks_retention.EXTRA_KINDS:
            walks_retention.EXTRA_KINDS.append(retention.kinds)
        # A report made from a campaign's point links to the campaign's results.
        from gis.campaigns.links import closed_results_of_pin
        from walks import public_results

        if closed_results_of_pin not in public_results.OTHER_RESULTS:
            public_results.OTHER_RESULTS.append(closed_results_of_pin)

"""The walks and resident-pin API and Open311 GeoReport v2 (no language prefix)."""

from django.urls import path, re_path

from walks import open311
from walks.views import pins, places, shift, stops, walks

app_name = "walks_api"


def open311_routes(route: str, view, name: str) -> list:
    """GeoReport v2 puts the format in the URL: one route per format, each with its renderer
    only (so the OpenAPI schema documents one media type per path)."""
    return [
        re_path(
            rf"^open311/v2/{route}\.{fmt}$",
            view.as_view(renderer_classes=[renderer]),
            {"format": fmt},
            name=f"{name}-{fmt}",
        )
        for fmt, renderer in open311.RENDERERS.items()
    ]


urlpatterns = [
    path("api/walks/", walks.WalkList.as_view(), name="walk-list"),
    path("api/walks/<str:code>/", walks.WalkDetail.as_view(), name="walk-detail"),
    path("api/walks/<str:code>/streets/", walks.WalkStreets.as_view(), name="walk-streets"),
    path("api/walks/<str:code>/join/", walks.WalkJoin.as_view(), name="walk-join"),
    path("api/walks/<str:code>/findings/", walks.FindingList.as_view(), name="finding-list"),
    path(
        "api/walks/<str:code>/findings/<uuid:client_uuid>/",
        walks.FindingDetail.as_view(),
        name="finding-detail",
    ),
    path(
        "api/walks/<str:code>/findings/<uuid:client_uuid>/photos/",
        walks.FindingPhotoUpload.as_view(),
        name="finding-photos",
    ),
    path("api/walks/<str:code>/audits/", walks.AuditList.as_view(), name="audit-list"),
    path("api/walks/<str:code>/stops/", stops.StopList.as_view(), name="walk-stops"),
    path(
        "api/walks/<str:code>/stops/<int:order>/tick/",
        stops.StopTick.as_view(),
        name="stop-tick",
    ),
    path("api/field/streets/", walks.StreetsInBox.as_view(), name="streets"),
    path("api/field/places/", places.PlaceSearch.as_view(), name="places"),
    path("api/categories/", pins.CategoryList.as_view(), name="category-list"),
    path("api/photos/location/", pins.PhotoLocation.as_view(), name="photo-location"),
    path("api/pins/", pins.PinList.as_view(), name="pin-list"),
    path("api/pins/nearby/", pins.PinNearby.as_view(), name="pin-nearby"),
    path("api/pins/<int:pk>/", pins.PinDetail.as_view(), name="pin-detail"),
    path("api/pins/<int:pk>/votes/", pins.PinVoteCreate.as_view(), name="pin-votes"),
    path("api/pins/track/<str:token>/", pins.PinTrack.as_view(), name="pin-track"),
    path("api/shift-reports/", shift.ShiftReportList.as_view(), name="shift-report-list"),
    *open311_routes("services", open311.Services, "open311-services"),
    *open311_routes("requests", open311.Requests, "open311-requests"),
    *open311_routes(r"requests/(?P<request_id>[^/.]+)", open311.RequestDetail, "open311-request"),
    *open311_routes(r"tokens/(?P<token>[^/.]+)", open311.TokenDetail, "open311-token"),
]

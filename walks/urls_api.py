"""The walks and resident-pin API and Open311 GeoReport v2 (no language prefix)."""

from django.urls import path, re_path

from walks import open311
from walks.api import pins, walks

app_name = "walks_api"

FORMAT = r"\.(?P<format>json|xml)$"

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
    path("api/field/streets/", walks.StreetsInBox.as_view(), name="streets"),
    path("api/categories/", pins.CategoryList.as_view(), name="category-list"),
    path("api/photos/location/", pins.PhotoLocation.as_view(), name="photo-location"),
    path("api/pins/", pins.PinList.as_view(), name="pin-list"),
    path("api/pins/nearby/", pins.PinNearby.as_view(), name="pin-nearby"),
    path("api/pins/<int:pk>/", pins.PinDetail.as_view(), name="pin-detail"),
    path("api/pins/<int:pk>/votes/", pins.PinVoteCreate.as_view(), name="pin-votes"),
    path("api/pins/track/<str:token>/", pins.PinTrack.as_view(), name="pin-track"),
    re_path(r"^open311/v2/services" + FORMAT, open311.Services.as_view(), name="open311-services"),
    re_path(r"^open311/v2/requests" + FORMAT, open311.Requests.as_view(), name="open311-requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[^/.]+)" + FORMAT,
        open311.RequestDetail.as_view(),
        name="open311-request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token>[^/.]+)" + FORMAT,
        open311.TokenDetail.as_view(),
        name="open311-token",
    ),
]

from django.urls import path

from peerpath.directory.views import public, suggestions, vetting

urlpatterns = [
    # Public: no sign-in (seed 002: registration walls hide groups from people looking for them).
    path("directory/", public.search, name="directory_search"),
    path("directory/suggest/", suggestions.suggest_listing, name="directory_suggest"),
    path("directory/<uuid:listing_id>/", public.listing_detail, name="directory_listing"),
    path("directory/<uuid:listing_id>/suggest-edit/", suggestions.suggest_edit, name="directory_suggest_edit"),
    # Clinicians: leads into the prescribing form (prescriptions app) with the listing chosen.
    path("directory/<uuid:listing_id>/prescribe/", public.prescribe, name="directory_prescribe"),
    # Coordinators and admins: the vetting queue and reviews.
    path("directory/vetting/", vetting.queue, name="directory_vetting_queue"),
    path("directory/vetting/new/", vetting.listing_new, name="directory_vetting_new"),
    path("directory/vetting/<uuid:listing_id>/", vetting.review, name="directory_review"),
    path("directory/vetting/<uuid:listing_id>/start/", vetting.review_start, name="directory_review_start"),
    path("directory/vetting/<uuid:listing_id>/edit/", vetting.listing_edit, name="directory_listing_edit"),
    path("directory/vetting/<uuid:listing_id>/vet/", vetting.vet, name="directory_vet"),
    path("directory/vetting/<uuid:listing_id>/delist/", vetting.delist, name="directory_delist"),
    path("directory/vetting/<uuid:listing_id>/relist/", vetting.relist, name="directory_relist"),
    path(
        "directory/vetting/suggestions/<uuid:suggestion_id>/",
        vetting.suggestion_resolve,
        name="directory_suggestion_resolve",
    ),
]

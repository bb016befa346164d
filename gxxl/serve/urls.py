from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.index),
    path("api/submit", api.submit),
    path("api/submissions/<int:sid>", api.submission),
    path("api/me", api.me),
    path("api/status", api.status),
    path("api/consolidated.xlsx", api.consolidated),
    path("b/<str:token>/", views.bureau),
    path("b/<str:token>/s/<int:sid>/", views.bureau_submission),
    path("b/<str:token>/s/<int:sid>/explain", views.bureau_explain),
    path("b/<str:token>/s/<int:sid>/file", views.bureau_download),
    path("login/", views.login_view),
    path("logout/", views.logout_view),
    path("board/", views.board),
    path("board/organ/<int:oid>/", views.organ_detail),
    path("board/s/<int:sid>/", views.submission_detail),
    path("board/s/<int:sid>/file", views.admin_download),
    path("board/roster/", views.roster),
    path("board/settings", views.settings_view),
    path("board/chase.xlsx", views.chase),
    path("board/consolidated.xlsx", views.consolidated, {"kind": "xlsx"}),
    path("board/report.docx", views.consolidated, {"kind": "docx"}),
    path("board/all.zip", views.archive),
    path("board/audit/", views.audit_log),
]

handler400 = "gxxl.serve.views.bad_request"
handler403 = "gxxl.serve.views.forbidden"
handler404 = "gxxl.serve.views.not_found"
handler500 = "gxxl.serve.views.server_error"

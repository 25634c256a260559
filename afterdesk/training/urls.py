from django.urls import path

from afterdesk.training import manage_views, views

app_name = "training"

urlpatterns = [
    path("training/", views.home, name="home"),
    path("training/courses/<int:course_id>/", views.course, name="course"),
    path("training/lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path("training/images/<int:image_id>/", views.image, name="image"),
    path("training/exams/<int:exam_id>/", views.exam, name="exam"),
    path("training/attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("training/drills/<int:drill_id>/", views.drill, name="drill"),
    path(
        "training/agents/<path:username>/certifications/",
        views.agent_certifications,
        name="agent_certifications",
    ),
    path("training/manage/", manage_views.manage, name="manage"),
    path("training/manage/courses/", manage_views.course_create, name="course_create"),
    path("training/manage/courses/<int:course_id>/", manage_views.course_edit, name="course_edit"),
    path("training/manage/banks/", manage_views.bank_create, name="bank_create"),
    path("training/manage/banks/<int:bank_id>/", manage_views.bank, name="bank"),
    path("training/manage/exams/", manage_views.exam_create, name="exam_create"),
    path("training/manage/exams/<int:exam_id>/", manage_views.exam_edit, name="exam_edit"),
    path(
        "training/manage/questions/<int:question_id>/",
        manage_views.question_edit,
        name="question_edit",
    ),
    path(
        "training/manage/certifications/",
        manage_views.certification_create,
        name="certification_create",
    ),
    path("training/manage/grants/", manage_views.certification_grant, name="grant"),
    path("training/manage/paths/", manage_views.path_create, name="path_create"),
    path("training/manage/paths/<int:path_id>/", manage_views.path_edit, name="path_edit"),
    path("training/manage/drills/", manage_views.drill_create, name="drill_create"),
    path("training/reviews/", manage_views.reviews, name="reviews"),
]

from django.contrib import admin

from afterdesk.calendars.models import Calendar


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "tz")
    search_fields = ("key", "name")

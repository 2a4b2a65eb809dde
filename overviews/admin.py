from django.contrib import admin

from .models import AreaPopulation


@admin.register(AreaPopulation)
class AreaPopulationAdmin(admin.ModelAdmin):
    list_display = ["area", "year", "population"]
    list_filter = ["year", "area__municipality"]
    search_fields = ["area__name"]
    list_select_related = ["area"]

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Area, Network, Organisation


class OrganisationFilter(django_filters.FilterSet):
    #: A longer text is no search: SQLite refuses a LIKE pattern of 50,000 characters.
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    network = django_filters.ModelChoiceFilter(
        label=_("Network"),
        field_name="networks",
        to_field_name="slug",
        queryset=Network.objects.order_by("name"),
        empty_label=_("All networks"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Organisation.Kind.choices, empty_label=_("All kinds")
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Village or neighbourhood"),
        queryset=Area.objects.order_by("name"),
        empty_label=_("Everywhere"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "network", "kind", "area"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

"""factory-boy factories shared by every app's tests."""

import factory
from allauth.account.models import EmailAddress

from network.models import Area, Membership, Municipality, Network, Organisation, Role, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Persoon {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """A verified primary address, as allauth needs for signing in (verified=False: none)."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    slug = factory.Sequence(lambda n: f"gemeente-{n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Dorp {n}")
    slug = factory.Sequence(lambda n: f"dorp-{n}")


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Dorp {n} voor elkaar")
    slug = factory.Sequence(lambda n: f"dorp-{n}-voor-elkaar")
    municipality = factory.SubFactory(MunicipalityFactory)
    tagline = "Samen leuke dingen doen"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Vereniging {n}")
    slug = factory.Sequence(lambda n: f"vereniging-{n}")
    kind = Organisation.Kind.CLUB
    municipality = factory.SubFactory(MunicipalityFactory)
    description = "Wij doen leuke dingen samen."

    @factory.post_generation
    def networks(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.networks.add(*extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.VOLUNTEER
    organisation = factory.SubFactory(OrganisationFactory)
    network = None

"""An upload costs nothing before it may: its pixel count is read from the header, and the
picture is decoded only once the rest of the form is valid."""

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from activities import images
from activities.models import Activity
from tests.activities.test_editor import form_data
from tests.activities.test_images import picture, upload

CREATE_URL = reverse("activities:activity_create", args=["klokhuis"])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def editor(client_for):
    client = client_for("editor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def decodes(monkeypatch):
    """Every decode of pixels, counted."""
    calls = []
    real = Image.Image.load

    def counting_load(self, *args, **kwargs):
        calls.append(self.size)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "load", counting_load)
    return calls


def test_too_many_pixels_are_refused_from_the_header(world, editor, decodes):
    """5,500 by 5,000 is within the side limit, but 27.5 megapixels is over the cap."""
    big = picture("PNG", size=(5500, 5000), mode="L", optimize=True)
    decodes.clear()  # making the test file decoded it; only the upload counts
    response = editor.post(
        CREATE_URL,
        form_data(image=upload(big, "groot.png", "image/png"), image_alt="Een grijs vlak"),
    )
    assert response.status_code == 200
    assert "25 megapixels is allowed" in response.content.decode()
    assert decodes == [] and not Activity.objects.exists()


def test_a_picture_is_not_decoded_while_the_form_has_mistakes(world, editor, decodes):
    photo = upload(picture())
    decodes.clear()
    response = editor.post(CREATE_URL, form_data(title="", image=photo, image_alt="Koffie"))
    assert response.status_code == 200
    assert decodes == []
    # Once the form is right, the picture is decoded (and stored) as before.
    photo = upload(picture())
    decodes.clear()
    response = editor.post(CREATE_URL, form_data(image=photo, image_alt="Koffie en koek"))
    assert response.status_code == 302
    assert decodes and Activity.objects.get().image


def test_the_cap_holds_for_the_service_too():
    with pytest.raises(images.ValidationError):
        images.check_upload(upload(picture("PNG", size=(5500, 5000), mode="L")))

"""Images of activities: real pictures only, resized, and without what the camera recorded."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageCms

from activities.models import Activity
from tests.activities.factories import make_activity
from tests.activities.test_editor import edit_data, form_data

CREATE_URL = reverse("activities:activity_create", args=["klokhuis"])
GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor(client_for):
    client = client_for("editor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def picture(fmt: str = "JPEG", size=(1600, 1200), mode: str = "RGB", **save) -> bytes:
    image = Image.new(mode, size, (200, 80, 40, 128)[: len(mode)] if mode != "L" else 120)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: GPS position, camera make, turned by EXIF orientation."""
    image = Image.new("RGB", (800, 600), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Telefoonmerk"  # Make
    exif[ORIENTATION] = 6  # turn 90° clockwise to show
    exif[GPS_IFD] = {1: "N", 2: (51.0, 53.0, 24.0), 3: "E", 4: (5.0, 11.0, 30.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"Bij oma thuis, Dorpsstraat 12")
    return out.getvalue()


def upload(data: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def test_photo_is_stored_upright_resized_and_without_location(editor, media):
    response = editor.post(
        CREATE_URL,
        form_data(image=upload(phone_photo()), image_alt="Koffie met gebak"),
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.image_alt == "Koffie met gebak"
    with Image.open(activity.image.path) as large:
        assert large.format == "JPEG"
        # Turned as the orientation said: 800 by 600 landscape becomes portrait.
        assert large.size == (600, 800)
        assert not large.getexif()
        assert "exif" not in large.info and "comment" not in large.info
        raw = Path(activity.image.path).read_bytes()
        assert b"Telefoonmerk" not in raw and b"Dorpsstraat" not in raw
    with Image.open(activity.image_small.path) as small:
        assert max(small.size) <= 720 and small.size[0] <= 480
        assert not small.getexif()


def test_big_photo_is_resized_for_the_pages(editor):
    editor.post(CREATE_URL, form_data(image=upload(picture(size=(4000, 3000))), image_alt="Zaal"))
    activity = Activity.objects.get()
    with Image.open(activity.image.path) as large:
        assert large.size == (1200, 900)
    with Image.open(activity.image_small.path) as small:
        assert small.size == (480, 360)


def test_transparent_png_stays_png_and_keeps_its_colour_profile(editor):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = picture("PNG", size=(600, 400), mode="RGBA", icc_profile=srgb)
    response = editor.post(
        CREATE_URL,
        form_data(image=upload(data, "logo.png", "image/png"), image_alt="Logo"),
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.image.name.endswith(".png")
    with Image.open(activity.image.path) as large:
        assert large.format == "PNG" and large.mode == "RGBA"
        assert large.info.get("icc_profile") == srgb


def test_webp_is_accepted(editor):
    response = editor.post(
        CREATE_URL,
        form_data(image=upload(picture("WEBP"), "foto.webp", "image/webp"), image_alt="Foto"),
    )
    assert response.status_code == 302
    assert Activity.objects.get().image.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"Dit is geen foto, maar een brief.\n" * 50, "foto.jpg", "not a picture we can use"),
        (picture("GIF", mode="P"), "foto.gif", "not a picture we can use"),
        (picture("JPEG")[:2000], "half.jpg", "not a picture we can use"),
        (picture("PNG", size=(6001, 300), mode="L"), "breed.png", "at most 6000 by 6000"),
        (picture("PNG", size=(150, 150)), "klein.png", "at least 200 by 200"),
        (b"\xff\xd8" + b"\0" * (8 * 1024 * 1024), "groot.jpg", "larger than 8 MB"),
    ],
    ids=["text", "gif", "truncated", "too-wide", "too-small", "too-many-bytes"],
)
def test_bad_files_are_refused_with_a_message_and_nothing_saved(editor, media, data, name, message):
    response = editor.post(CREATE_URL, form_data(image=upload(data, name), image_alt="Iets"))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["image"])
    assert message in response.content.decode()
    assert not Activity.objects.exists()
    assert stored_files(media) == []


def test_decompression_bomb_is_refused(editor, media, monkeypatch):
    # Far more pixels than Pillow is told to accept: opening it must not decode anything.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    response = editor.post(
        CREATE_URL, form_data(image=upload(picture("PNG", size=(400, 400))), image_alt="Bom")
    )
    assert response.status_code == 200
    assert "not a picture we can use" in " ".join(response.context["form"].errors["image"])
    assert stored_files(media) == []


def test_image_needs_a_description(editor, media):
    response = editor.post(CREATE_URL, form_data(image=upload(picture()), image_alt=" "))
    assert response.status_code == 200
    assert "image_alt" in response.context["form"].errors
    assert not Activity.objects.exists() and stored_files(media) == []


def test_bad_image_on_edit_keeps_the_old_one(world, editor, media):
    activity = make_activity(organisation=world.organisation)
    url = reverse("activities:activity_edit", args=[activity.slug])
    editor.post(url, edit_data(activity, image=upload(picture()), image_alt="Eerste foto"))
    activity.refresh_from_db()
    first = activity.image.name
    assert first
    response = editor.post(
        url, edit_data(activity, title="Nieuw", image=upload(b"nep", "nep.jpg"), image_alt="x")
    )
    assert response.status_code == 200
    activity.refresh_from_db()
    assert activity.image.name == first and activity.title == "Koffieochtend"


def test_replaced_and_removed_images_leave_no_files_behind(
    world, editor, media, django_capture_on_commit_callbacks
):
    activity = make_activity(organisation=world.organisation)
    url = reverse("activities:activity_edit", args=[activity.slug])
    editor.post(url, edit_data(activity, image=upload(picture()), image_alt="Eerste foto"))
    assert len(stored_files(media)) == 2
    # Keeping the image needs its description too.
    response = editor.post(url, edit_data(activity, image_alt=""))
    assert "image_alt" in response.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(url, edit_data(activity, image=upload(picture("PNG")), image_alt="Tweede"))
    activity.refresh_from_db()
    assert sorted(p.name for p in stored_files(media)) == sorted(
        Path(name).name for name in (activity.image.name, activity.image_small.name)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(url, edit_data(activity, remove_image="on", image_alt="Tweede"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert not activity.image and not activity.image_small and activity.image_alt == ""
    assert stored_files(media) == []

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import TreatmentFactory
from tests.treatments.helpers import form_data
from treatments.images import validate_image_upload
from treatments.services import treatment_hero_renditions_update


def image_file(size=(1800, 1200), fmt="JPEG", name="photo.jpg", mode="RGB") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size, (180, 210, 200) if mode == "RGB" else 0).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_real_photos_are_accepted(fmt):
    assert validate_image_upload(image_file(fmt=fmt, name=f"p.{fmt.lower()}")) == (1800, 1200)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("photo.jpg", b"just some text, not a photo"),
            "not a photo we can read",
        ),
        (SimpleUploadedFile("photo.jpg", b""), "empty"),
        (
            SimpleUploadedFile("huge.jpg", b"\xff" * (10 * 1024 * 1024 + 1)),
            "largest we accept is 10 MB",
        ),
        (image_file(fmt="GIF", name="a.gif"), "not accepted"),
        (image_file(size=(400, 300)), "at least 600 pixels wide"),
    ],
    ids=["text-renamed-jpg", "zero-byte", "too-big", "gif", "too-small"],
)
def test_bad_files_get_a_clear_message(upload, message):
    with pytest.raises(ValidationError) as error:
        validate_image_upload(upload)
    assert message in error.value.messages[0]


@pytest.mark.parametrize("size", [(7000, 7000), (12000, 12000), (20000, 10000)])
def test_decompression_bombs_are_refused_before_decoding(size):
    bomb = image_file(size=size, fmt="PNG", name="bomb.png", mode="1")
    assert bomb.size < 2 * 1024 * 1024  # small file, huge picture
    with pytest.raises(ValidationError) as error:
        validate_image_upload(bomb)
    assert error.value.code == "bomb"


@pytest.mark.django_db
def test_renditions_are_made_once_in_webp_at_several_widths(media_root):
    treatment = TreatmentFactory(slug="photo", hero_image_alt="A clinician at work")
    treatment.hero_image.save("hero.jpg", image_file(size=(2000, 1333)), save=True)
    treatment_hero_renditions_update(treatment=treatment)
    widths = [r["width"] for r in treatment.hero_renditions["renditions"]]
    assert widths == [480, 800, 1200, 1600]
    for item in treatment.hero_renditions["renditions"]:
        with Image.open(media_root / item["name"]) as made:
            assert made.format == "WEBP"
            assert made.size == (item["width"], item["height"])
    before = dict(treatment.hero_renditions)
    treatment_hero_renditions_update(treatment=treatment)  # same photo: nothing remade
    assert treatment.hero_renditions == before


@pytest.mark.django_db
def test_a_small_photo_is_never_upscaled(media_root):
    treatment = TreatmentFactory(slug="small", hero_image_alt="Skin close-up")
    treatment.hero_image.save("hero.jpg", image_file(size=(900, 600)), save=True)
    treatment_hero_renditions_update(treatment=treatment)
    assert [r["width"] for r in treatment.hero_renditions["renditions"]] == [480, 800, 900]


@pytest.mark.django_db
def test_uploading_a_photo_in_admin_serves_it_with_srcset_and_alt(
    admin_client, client, media_root, microneedling
):
    url = f"/admin/treatments/treatment/{microneedling.pk}/change/"
    data = form_data(admin_client.get(url))
    data.update(hero_image=image_file(), hero_image_alt="A calm treatment room")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    microneedling.refresh_from_db()
    assert len(microneedling.hero_renditions["renditions"]) == 4
    client.get("/treatments/microneedling/")  # cached before the upload? cleared by the save
    client_html = client.get("/treatments/microneedling/").content.decode()
    assert 'srcset="/media/treatments/renditions/' in client_html
    assert "1600w" in client_html
    assert 'alt="A calm treatment room"' in client_html
    assert 'fetchpriority="high"' in client_html
    assert 'width="800" height="533"' in client_html


@pytest.mark.django_db
def test_admin_refuses_a_text_file_renamed_jpg_with_a_clear_message(
    admin_client, media_root, microneedling
):
    url = f"/admin/treatments/treatment/{microneedling.pk}/change/"
    data = form_data(admin_client.get(url))
    data.update(hero_image=SimpleUploadedFile("photo.jpg", b"hello"), hero_image_alt="x")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "not a photo we can read" in response.content.decode()


@pytest.mark.django_db
def test_admin_requires_alt_text_with_a_photo(admin_client, media_root, microneedling):
    url = f"/admin/treatments/treatment/{microneedling.pk}/change/"
    data = form_data(admin_client.get(url))
    data.update(hero_image=image_file(), hero_image_alt="")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Describe the photo" in response.content.decode()


@pytest.mark.django_db
def test_without_a_photo_pages_show_the_clinic_illustration(client, microneedling):
    html = client.get("/treatments/microneedling/").content.decode()
    assert "img/treatments/default-hero.svg" in html
    assert 'width="1200" height="800"' in html
    list_html = client.get("/treatments/").content.decode()
    assert "default-hero.svg" in list_html
